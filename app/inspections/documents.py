"""Checklists as JSON documents: export any version, import a document as a new draft.

The schema, `"schema": "fieldbook.checklist/1"` (docs/checklist-schema.md):

    {"schema": "fieldbook.checklist/1", "title", "title_zh", "description", "description_zh",
     "pass_threshold": 0-100,
     "sections": [{"title", "title_zh", "questions": [{
         "key", "kind", "prompt", "prompt_zh", "help", "help_zh", "required", "weight",
         "critical", "unit", "lower", "upper", "multiple",
         "choices": [{"value", "label", "label_zh", "failure"}],
         "on_failure": {"note", "photo", "action", "action_priority", "action_due_days"},
         "show_if": null | {"question": key, "answer": value}}]}]}

Export writes every field, so that export -> import -> export gives the same document. Import
checks every field and lists every problem with its path (`sections[2].questions[4].lower`);
it imports nothing until the whole document is valid.
"""

import math
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import audit
from app.extensions import db
from app.inspections import services
from app.inspections.models import (
    KINDS,
    MAX_QUESTIONS,
    MAX_SECTIONS,
    ChecklistQuestion,
    ChecklistSection,
    ChecklistVersion,
    ResponseSet,
)

SCHEMA = "fieldbook.checklist/1"
KEY = re.compile(r"^[0-9a-zA-Z_-]{1,12}$")
VALUE = re.compile(r"^[0-9a-zA-Z_-]{1,40}$")
MAX_BYTES = 1_000_000


# --- export ------------------------------------------------------------------------------------

def export_version(version: ChecklistVersion) -> dict:
    return {
        "schema": SCHEMA,
        **{name: getattr(version, name) for name in services.VERSION_FIELDS},
        "sections": [{"title": section.title, "title_zh": section.title_zh,
                      "questions": [_export_question(q) for q in section.questions]}
                     for section in version.sections],
    }


def _export_question(question: ChecklistQuestion) -> dict:
    return {
        "key": question.key, "kind": question.kind,
        "prompt": question.prompt, "prompt_zh": question.prompt_zh,
        "help": question.help, "help_zh": question.help_zh,
        "required": question.required, "weight": question.weight,
        "critical": question.critical, "unit": question.unit,
        "lower": question.lower, "upper": question.upper, "multiple": question.multiple,
        "choices": [{"value": c["value"], "label": c["label"], "label_zh": c.get("label_zh", ""),
                     "failure": bool(c.get("failure"))} for c in question.options]
        if question.kind == "choice" else [],
        "on_failure": {"note": question.note_on_failure, "photo": question.photo_on_failure,
                       "action": question.action_on_failure,
                       "action_priority": question.action_priority,
                       "action_due_days": question.action_due_days},
        "show_if": {"question": question.show_if_key, "answer": question.show_if_value}
        if question.show_if_key else None,
    }


# --- reading a document ------------------------------------------------------------------

class Problems:
    """Every problem found, each with the path of the field it is about."""

    def __init__(self):
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message) -> None:
        self.items.append((path, str(message)))

    def __bool__(self) -> bool:
        return bool(self.items)


def _text(problems, data: dict, name: str, path: str, maximum: int) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.add(f"{path}{name}", _l("Must be text."))
        return ""
    if len(value) > maximum:
        problems.add(f"{path}{name}", _l("Use at most %(max)d characters.", max=maximum))
    return value


def _flag(problems, data: dict, name: str, path: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        problems.add(f"{path}{name}", _l("Must be true or false."))
        return default
    return value


def _whole(problems, data: dict, name: str, path: str, default: int, low: int,
           high: int) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(f"{path}{name}", _l("Must be a whole number from %(low)d to %(high)d.",
                                         low=low, high=high))
        return default
    return value


def _limit(problems, data: dict, name: str, path: str) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not math.isfinite(value) or abs(value) > services.LIMIT:
        problems.add(f"{path}{name}", _l("Must be a number or null."))
        return None
    return float(value)


def read_document(document) -> tuple[dict | None, Problems]:
    """The draft a document describes (plain values), and its problems."""
    problems = Problems()
    if not isinstance(document, dict):
        problems.add("", _l("The file must hold one JSON object."))
        return None, problems
    if document.get("schema") != SCHEMA:
        problems.add("schema", _l("Must be “%(schema)s”.", schema=SCHEMA))
        return None, problems
    draft = {
        "title": _text(problems, document, "title", "", 200),
        "title_zh": _text(problems, document, "title_zh", "", 200),
        "description": _text(problems, document, "description", "", 5000),
        "description_zh": _text(problems, document, "description_zh", "", 5000),
        "pass_threshold": _whole(problems, document, "pass_threshold", "", 80, 0, 100),
        "sections": [],
    }
    if not (draft["title"].strip() or draft["title_zh"].strip()):
        problems.add("title", _l("Write it in English or in Chinese."))
    sections = document.get("sections")
    if not isinstance(sections, list) or not sections:
        problems.add("sections", _l("Must be a list of at least one section."))
        return draft, problems
    if len(sections) > MAX_SECTIONS:
        problems.add("sections", _l("A checklist has at most %(max)d sections.",
                                    max=MAX_SECTIONS))
    keys: set[str] = set()
    for s_index, section in enumerate(sections):
        draft["sections"].append(_read_section(problems, section, f"sections[{s_index}]", keys))
    questions = [q for s in draft["sections"] for q in s["questions"]]
    if len(questions) > MAX_QUESTIONS:
        problems.add("sections", _l("A checklist has at most %(max)d questions.",
                                    max=MAX_QUESTIONS))
    if not questions:
        problems.add("sections", _l("Add at least one question before publishing."))
    _check_logic(problems, draft)
    return draft, problems


def _read_section(problems, section, path: str, keys: set) -> dict:
    if not isinstance(section, dict):
        problems.add(path, _l("Must be an object."))
        return {"title": "", "title_zh": "", "questions": []}
    read = {"title": _text(problems, section, "title", f"{path}.", 200),
            "title_zh": _text(problems, section, "title_zh", f"{path}.", 200), "questions": []}
    questions = section.get("questions", [])
    if not isinstance(questions, list):
        problems.add(f"{path}.questions", _l("Must be a list."))
        return read
    for q_index, question in enumerate(questions):
        q_path = f"{path}.questions[{q_index}]"
        read["questions"].append(_read_question(problems, question, q_path, keys))
    return read


def _read_question(problems, question, path: str, keys: set) -> dict:
    if not isinstance(question, dict):
        problems.add(path, _l("Must be an object."))
        return {"path": path, "key": None, "kind": "text", "choices": [], "show_if_key": None}
    dot = f"{path}."
    key = question.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        problems.add(f"{dot}key", _l("Must be 1 to 12 letters, digits, - or _."))
        key = None
    elif key in keys:
        problems.add(f"{dot}key", _l("Another question has the same key."))
    keys.add(key)
    kind = question.get("kind")
    if kind not in KINDS:
        problems.add(f"{dot}kind", _l("Must be one of: %(kinds)s.", kinds=", ".join(KINDS)))
        kind = "text"
    on_failure = question.get("on_failure") or {}
    if not isinstance(on_failure, dict):
        problems.add(f"{dot}on_failure", _l("Must be an object."))
        on_failure = {}
    fail_dot = f"{dot}on_failure."
    fields = {
        "path": path, "key": key, "kind": kind,
        "prompt": _text(problems, question, "prompt", dot, 500),
        "prompt_zh": _text(problems, question, "prompt_zh", dot, 500),
        "help": _text(problems, question, "help", dot, 2000),
        "help_zh": _text(problems, question, "help_zh", dot, 2000),
        "required": _flag(problems, question, "required", dot, True),
        "weight": _whole(problems, question, "weight", dot, 1, 0, services.MAX_WEIGHT),
        "critical": _flag(problems, question, "critical", dot, False),
        "unit": _text(problems, question, "unit", dot, 20),
        "lower": _limit(problems, question, "lower", dot),
        "upper": _limit(problems, question, "upper", dot),
        "multiple": _flag(problems, question, "multiple", dot, False),
        "choices": _read_choices(problems, question, kind, dot),
        "note_on_failure": _flag(problems, on_failure, "note", fail_dot, False),
        "photo_on_failure": _flag(problems, on_failure, "photo", fail_dot, False),
        "action_on_failure": _flag(problems, on_failure, "action", fail_dot, False),
        "action_priority": _whole(problems, on_failure, "action_priority", fail_dot, 3, 1, 4),
        "action_due_days": _whole(problems, on_failure, "action_due_days", fail_dot, 7, 0,
                                  services.MAX_DUE_DAYS),
        "show_if_key": None, "show_if_value": "",
    }
    show_if = question.get("show_if")
    if show_if is not None:
        if not isinstance(show_if, dict) or not isinstance(show_if.get("question"), str) \
                or not isinstance(show_if.get("answer"), str):
            problems.add(f"{dot}show_if", _l("Must be null or {\"question\": key, \"answer\": "
                                             "value}."))
        else:
            fields["show_if_key"], fields["show_if_value"] = show_if["question"], \
                show_if["answer"]
    names = {"response_set_id": "choices", "action_due_days": "on_failure.action_due_days",
             "action_priority": "on_failure.action_priority"}
    already = {p for p, _m in problems.items}
    for name, message in services.question_problems(fields).items():
        where = f"{dot}{names.get(name, name)}"
        if where not in already:
            problems.add(where, message)
    return fields


def _read_choices(problems, question, kind: str, dot: str) -> list[dict]:
    choices = question.get("choices", [])
    if kind != "choice":
        return []
    if not isinstance(choices, list) or len(choices) < 2:
        problems.add(f"{dot}choices", _l("Give at least two choices."))
        return []
    read, values = [], set()
    for index, choice in enumerate(choices):
        c_dot = f"{dot}choices[{index}]."
        if not isinstance(choice, dict):
            problems.add(c_dot[:-1], _l("Must be an object."))
            continue
        value = choice.get("value")
        if not isinstance(value, str) or not VALUE.match(value) or value in values:
            problems.add(f"{c_dot}value", _l("Must be a value of its own: letters, digits, - "
                                             "or _."))
        values.add(value)
        label = _text(problems, choice, "label", c_dot, 100)
        label_zh = _text(problems, choice, "label_zh", c_dot, 100)
        if not (label.strip() or label_zh.strip()):
            problems.add(f"{c_dot}label", _l("Write it in English or in Chinese."))
        read.append({"value": value, "label": label, "label_zh": label_zh,
                     "failure": _flag(problems, choice, "failure", c_dot, False)})
    return read


def _check_logic(problems, draft: dict) -> None:
    """The follow-up rules, checked as the builder checks them (services.logic_problems)."""
    transient = []
    for section in draft["sections"]:
        for fields in section["questions"]:
            question = ChecklistQuestion(key=fields["key"] or "", kind=fields["kind"],
                                         prompt=fields.get("prompt", ""),
                                         prompt_zh=fields.get("prompt_zh", ""),
                                         choices=fields.get("choices") or [],
                                         show_if_key=fields.get("show_if_key"),
                                         show_if_value=fields.get("show_if_value", ""))
            question.path = fields["path"]
            transient.append(question)
    for question, message in services.logic_problems(transient):
        problems.add(f"{question.path}.show_if", message)


# --- importing ---------------------------------------------------------------------------------

def import_document(draft: dict, *, all_sites: bool, sites, by):
    """A new template whose first draft is the document (read_document found no problem).
    Choices come from a response set with the same choices, made when there is none."""
    template = services.create_template(
        title=draft["title"], title_zh=draft["title_zh"], description=draft["description"],
        description_zh=draft["description_zh"], pass_threshold=draft["pass_threshold"],
        all_sites=all_sites, sites=sites, by=by)
    version = template.draft
    for s_position, section in enumerate(draft["sections"]):
        record = ChecklistSection(position=s_position, title=section["title"],
                                  title_zh=section["title_zh"])
        version.sections.append(record)
        for q_position, fields in enumerate(section["questions"]):
            values = {name: fields[name] for name in services.QUESTION_FIELDS
                      if name in fields and name not in ("choices", "response_set_id")}
            question = ChecklistQuestion(position=q_position, key=fields["key"], **values)
            if fields["kind"] == "choice":
                question.response_set = _response_set_for(fields, by)
            record.questions.append(question)
    db.session.flush()
    audit.record(by, "update", template, summary=template.title, after={"imported": True})
    return template


def _response_set_for(fields: dict, by) -> ResponseSet:
    for existing in db.session.scalars(select(ResponseSet)):
        if existing.choices == fields["choices"]:
            return existing
    created = ResponseSet(name=(fields["prompt"] or fields["prompt_zh"])[:100],
                          name_zh=fields["prompt_zh"][:100], choices=fields["choices"])
    db.session.add(created)
    db.session.flush()
    audit.record(by, "create", created, summary=created.name)
    return created
