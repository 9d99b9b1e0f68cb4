"""Changes to checklist templates: the builder's edits of a draft, publishing, new drafts.

Every edit goes through `_draft_of`, which refuses a published version: publishing freezes it.
The rules of a question (`question_problems`) and of the logic between questions
(`logic_problems`) are the same for the builder's forms and for an imported file.
"""

import math

from flask_babel import lazy_gettext as _l

from app.core import attachments, audit
from app.core.domain import DomainError
from app.core.models import utcnow
from app.extensions import db
from app.inspections.models import (
    KIND_ANSWERS,
    KINDS,
    MAX_QUESTIONS,
    MAX_SECTIONS,
    SCORED_KINDS,
    ChecklistQuestion,
    ChecklistSection,
    ChecklistTemplate,
    ChecklistVersion,
    ResponseSet,
    new_key,
)

# What a question holds beyond its place: copied by duplicates and new drafts, exported.
QUESTION_FIELDS = (
    "kind", "prompt", "prompt_zh", "help", "help_zh", "required", "weight", "critical", "unit",
    "lower", "upper", "multiple", "response_set_id", "choices", "note_on_failure",
    "photo_on_failure", "action_on_failure", "action_priority", "action_due_days",
    "show_if_key", "show_if_value", "image_id")
VERSION_FIELDS = ("title", "title_zh", "description", "description_zh", "pass_threshold")
MAX_WEIGHT = 100
MAX_DUE_DAYS = 365
LIMIT = 1e12  # a reading's limits: finite, and no wider than this


# --- rules -------------------------------------------------------------------------------------

def question_problems(fields: dict) -> dict[str, object]:
    """What is wrong with a question's fields, by field name (empty: nothing). `fields` hold
    typed values: floats or None for limits, ints for weight and days."""
    problems: dict[str, object] = {}
    kind = fields.get("kind")
    if kind not in KINDS:
        return {"kind": _l("Choose a question type.")}
    prompt = (fields.get("prompt") or "").strip() or (fields.get("prompt_zh") or "").strip()
    if not prompt:
        problems["prompt"] = _l("Write the question (in English or Chinese).")
    lower, upper = fields.get("lower"), fields.get("upper")
    for name, value in (("lower", lower), ("upper", upper)):
        if value is not None and (not math.isfinite(value) or abs(value) > LIMIT):
            problems[name] = _l("Enter a number, not %(value)s.", value=value)
    if "lower" not in problems and "upper" not in problems and None not in (lower, upper) \
            and lower > upper:
        problems["upper"] = _l("The upper limit must not be below the lower limit.")
    if kind == "choice" and not fields.get("response_set_id") and not fields.get("choices"):
        problems["response_set_id"] = _l("Choose the answers' response set.")
    if not 0 <= (fields.get("weight") or 0) <= MAX_WEIGHT:
        problems["weight"] = _l("Use a weight from 0 to %(max)d.", max=MAX_WEIGHT)
    if fields.get("critical") and kind not in SCORED_KINDS:
        problems["critical"] = _l("Only a question that can fail can be critical.")
    if not 0 <= (fields.get("action_due_days") or 0) <= MAX_DUE_DAYS:
        problems["action_due_days"] = _l("Use from 0 to %(max)d days.", max=MAX_DUE_DAYS)
    if fields.get("action_priority") not in (1, 2, 3, 4):
        problems["action_priority"] = _l("Choose a priority.")
    return problems


def answer_values(question) -> tuple[str, ...]:
    """The answers a follow-up of `question` may wait for."""
    values = KIND_ANSWERS.get(question.kind, ())
    if question.kind == "choice":
        values = (*values, *(choice["value"] for choice in question.options))
    return values


def logic_problems(questions: list) -> list[tuple[object, object]]:
    """(question, message) for each follow-up rule that does not hold, `questions` in the
    order an inspector meets them: a rule must point at an earlier question that is not
    itself a follow-up (one level), and wait for an answer that question can give."""
    problems = []
    position = {q.key: index for index, q in enumerate(questions)}
    by_key = {q.key: q for q in questions}
    for index, question in enumerate(questions):
        if not question.show_if_key:
            continue
        target = by_key.get(question.show_if_key)
        if target is None:
            problems.append((question, _l("The question it follows is not in this checklist.")))
        elif position[target.key] >= index:
            problems.append((question, _l(
                "A follow-up must come after the question it follows: “%(prompt)s” comes "
                "later.", prompt=target.label)))
        elif target.show_if_key:
            problems.append((question, _l(
                "“%(prompt)s” is itself a follow-up: follow-ups go one level deep.",
                prompt=target.label)))
        elif question.show_if_value not in answer_values(target):
            problems.append((question, _l("Choose one of the answers “%(prompt)s” can have.",
                                          prompt=target.label)))
    return problems


# --- templates ---------------------------------------------------------------------------------

def create_template(*, title: str, title_zh: str = "", description: str = "",
                    description_zh: str = "", all_sites: bool, sites=(),
                    pass_threshold: int = 80, by) -> ChecklistTemplate:
    """A new template and its first draft (version 1)."""
    template = ChecklistTemplate(title=title.strip(), title_zh=title_zh.strip(),
                                 created_by_id=by.id)
    _use_at(template, all_sites, sites)
    draft = ChecklistVersion(template=template, number=1, title=template.title,
                             title_zh=template.title_zh, description=description.strip(),
                             description_zh=description_zh.strip(),
                             pass_threshold=pass_threshold, created_by_id=by.id)
    db.session.add_all([template, draft])
    db.session.flush()
    audit.record(by, "create", template, summary=template.title)
    return template


def _use_at(template: ChecklistTemplate, all_sites: bool, sites) -> None:
    if not all_sites and not sites:
        raise DomainError(_l("Choose the sites it is used at, or all sites."), field="sites")
    template.all_sites = all_sites
    template.sites = [] if all_sites else list(sites)


def update_settings(template: ChecklistTemplate, *, title: str, title_zh: str,
                    description: str, description_zh: str, pass_threshold: int,
                    all_sites: bool, sites, by) -> None:
    """The draft's title, description and pass mark; where the template is used (which is
    not part of a version: it changes at once)."""
    draft = _draft_of(template)
    before = audit.snapshot(draft, VERSION_FIELDS)
    draft.title, draft.title_zh = title.strip(), title_zh.strip()
    draft.description, draft.description_zh = description.strip(), description_zh.strip()
    draft.pass_threshold = pass_threshold
    template.title, template.title_zh = draft.title, draft.title_zh
    _use_at(template, all_sites, sites)
    old, new = audit.changes(before, audit.snapshot(draft, VERSION_FIELDS))
    audit.record(by, "update", template, summary=template.title, before=old, after=new)


def _draft_of(template: ChecklistTemplate) -> ChecklistVersion:
    if template.archived_at is not None:
        raise DomainError(_l("This checklist is archived: restore it to change it."))
    draft = template.draft
    if draft is None:
        raise DomainError(_l("Every version of this checklist is published and cannot change: "
                             "start a new draft to edit it."))
    return draft


def _editable(version: ChecklistVersion) -> ChecklistVersion:
    """`version`, when it is its template's draft; refused when it is published."""
    if not version.is_draft:
        raise DomainError(_l("Version %(number)d is published and cannot change: start a new "
                             "draft to edit the checklist.", number=version.number))
    return _draft_of(version.template)


def publish(template: ChecklistTemplate, *, change_note: str, by) -> ChecklistVersion:
    """Freeze the draft: its choices copied in, its rules checked; from now on it is what
    new inspections use."""
    draft = _draft_of(template)
    questions = draft.questions
    if not questions:
        raise DomainError(_l("Add at least one question before publishing."))
    problems = logic_problems(questions)
    if problems:
        question, message = problems[0]
        raise DomainError(_l("“%(prompt)s”: %(problem)s", prompt=question.label,
                             problem=message))
    for question in questions:
        if question.kind == "choice":
            if not question.options:
                raise DomainError(_l("“%(prompt)s” has no choices.", prompt=question.label))
            question.choices = [dict(choice) for choice in question.options]
    draft.change_note = (change_note or "").strip()
    draft.published_at, draft.published_by_id = utcnow(), by.id
    template.title, template.title_zh = draft.title, draft.title_zh
    audit.record(by, "update", template, summary=f"{template.title} v{draft.number}",
                 after={"published": draft.number, "note": draft.change_note})
    return draft


def start_draft(template: ChecklistTemplate, *, by) -> ChecklistVersion:
    """A new draft, a copy of the newest published version (the one there is, if any)."""
    if template.archived_at is not None:
        raise DomainError(_l("This checklist is archived: restore it to change it."))
    if template.draft is not None:
        return template.draft
    latest = template.published
    draft = ChecklistVersion(number=latest.number + 1, created_by_id=by.id,
                             **{name: getattr(latest, name) for name in VERSION_FIELDS})
    for section in latest.sections:
        copy = ChecklistSection(position=section.position, title=section.title,
                                title_zh=section.title_zh)
        draft.sections.append(copy)
        for question in section.questions:
            copy.questions.append(_copy_question(question, keep_key=True, draft=True))
    draft.template = template  # attached once whole: a half-made draft is never flushed
    db.session.add(draft)
    db.session.flush()
    audit.record(by, "update", template, summary=f"{template.title} v{draft.number}",
                 after={"draft": draft.number})
    return draft


def _copy_question(question, *, keep_key: bool, draft: bool = False) -> ChecklistQuestion:
    fields = {name: getattr(question, name) for name in QUESTION_FIELDS}
    if draft and fields["response_set_id"] is not None:
        fields["choices"] = None  # a draft shows its response set as it is now
    return ChecklistQuestion(position=question.position,
                             key=question.key if keep_key else new_key(), **fields)


def discard_draft(template: ChecklistTemplate, *, by) -> bool:
    """Throw the draft away. A template never published goes with it: True then."""
    draft = _draft_of(template)
    gone = template.published is None
    audit.record(by, "update", template, summary=f"{template.title} v{draft.number}",
                 after={"discarded": draft.number})
    template.versions.remove(draft)
    if gone:
        db.session.delete(template)
    db.session.flush()
    return gone


def archive(template: ChecklistTemplate, *, by) -> None:
    if template.archived_at is None:
        template.archived_at = utcnow()
        audit.record(by, "update", template, summary=template.title, after={"archived": True})


def restore(template: ChecklistTemplate, *, by) -> None:
    if template.archived_at is not None:
        template.archived_at = None
        audit.record(by, "update", template, summary=template.title, after={"archived": False})


# --- sections ----------------------------------------------------------------------------------

def add_section(version: ChecklistVersion, *, title: str, title_zh: str = "",
                by) -> ChecklistSection:
    draft = _editable(version)
    if len(draft.sections) >= MAX_SECTIONS:
        raise DomainError(_l("A checklist has at most %(max)d sections.", max=MAX_SECTIONS))
    section = ChecklistSection(title=title.strip(), title_zh=title_zh.strip(),
                               position=len(draft.sections))
    draft.sections.append(section)
    db.session.flush()
    _changed(draft, by, "add_section", section)
    return section


def update_section(section: ChecklistSection, *, title: str, title_zh: str, by) -> None:
    _editable(section.version)
    section.title, section.title_zh = title.strip(), title_zh.strip()
    _changed(section.version, by, "edit_section", section)


def move_section(section: ChecklistSection, step: int, *, by) -> None:
    draft = _editable(section.version)
    order = list(draft.sections)
    index = order.index(section)
    target = index + step
    if not 0 <= target < len(order):
        return
    order.insert(target, order.pop(index))
    _check_order(draft, [q for s in order for q in s.questions])
    _renumber(order)
    draft.sections.sort(key=lambda s: s.position)
    _changed(draft, by, "move_section", section)


def duplicate_section(section: ChecklistSection, *, by) -> ChecklistSection:
    draft = _editable(section.version)
    if len(draft.sections) >= MAX_SECTIONS:
        raise DomainError(_l("A checklist has at most %(max)d sections.", max=MAX_SECTIONS))
    _check_room(draft, len(section.questions))
    copy = ChecklistSection(title=section.title, title_zh=section.title_zh)
    keys = {}
    for question in section.questions:
        twin = _copy_question(question, keep_key=False)
        keys[question.key] = twin.key
        copy.questions.append(twin)
    for twin in copy.questions:  # follow-ups inside the section follow their twins
        twin.show_if_key = keys.get(twin.show_if_key, twin.show_if_key)
    _insert_after(draft.sections, section, copy)
    db.session.flush()
    _changed(draft, by, "duplicate_section", copy)
    return copy


def delete_section(section: ChecklistSection, *, by) -> None:
    draft = _editable(section.version)
    leaving = {q.key for q in section.questions}
    _refuse_orphans(draft, leaving)
    draft.sections.remove(section)
    _renumber(draft.sections)
    db.session.flush()
    _changed(draft, by, "delete_section")


# --- questions ---------------------------------------------------------------------------------

def add_question(section: ChecklistSection, *, by, image=None, **fields) -> ChecklistQuestion:
    draft = _editable(section.version)
    _check_room(draft, 1)
    fields = _clean(fields)
    problems = question_problems(fields)
    if problems:
        name, message = next(iter(problems.items()))
        raise DomainError(message, field=name)
    question = ChecklistQuestion(position=len(section.questions), key=new_key(), **fields)
    order = [q for s in draft.sections for q in (*s.questions, *(
        (question,) if s is section else ()))]
    _check_logic(order, question)
    section.questions.append(question)
    db.session.flush()
    _attach_image(question, image, by=by)
    _changed(draft, by, "add_question", question)
    return question


def update_question(question: ChecklistQuestion, *, by, image=None, remove_image=False,
                    **fields) -> None:
    draft = _editable(question.version)
    fields = _clean({**{name: getattr(question, name) for name in QUESTION_FIELDS}, **fields})
    problems = question_problems(fields)
    if problems:
        name, message = next(iter(problems.items()))
        raise DomainError(message, field=name)
    if fields.get("show_if_key") and _followers(draft, question):
        raise DomainError(_l("Other questions follow this one: it cannot follow another "
                             "(follow-ups go one level deep)."), field="show_if_key")
    before = {name: getattr(question, name) for name in fields}
    for name, value in fields.items():
        setattr(question, name, value)
    try:
        _check_logic(draft.questions, question)
    except DomainError:
        for name, value in before.items():  # a refused change leaves the question as it was
            setattr(question, name, value)
        raise
    if remove_image:
        question.image_id = None
    _attach_image(question, image, by=by)
    _changed(draft, by, "edit_question", question)


def _attach_image(question: ChecklistQuestion, image, *, by) -> None:
    """An instruction's picture, stored as a file of its template (every version shows it)."""
    if image is None or not getattr(image, "filename", ""):
        return
    if question.kind != "instruction":
        raise DomainError(_l("Only an instruction shows a picture."), field="image")
    try:
        picture = attachments.save_image(image, entity_type="checklisttemplate",
                                         entity_id=question.version.template_id, site_id=None,
                                         by=by)
    except DomainError as error:  # not an image, too large: said on the image field
        raise DomainError(str(error), field="image") from error
    question.image_id = picture.id


def _clean(fields: dict) -> dict:
    fields = {name: value for name, value in fields.items() if name in QUESTION_FIELDS}
    for name in ("prompt", "prompt_zh", "help", "help_zh", "unit", "show_if_value"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if fields.get("kind") != "number":
        fields["lower"] = fields["upper"] = None
        fields["unit"] = ""
    if fields.get("kind") != "choice":
        fields["response_set_id"], fields["multiple"] = None, False
        fields["choices"] = None
    if fields.get("kind") not in SCORED_KINDS:
        fields.update(critical=False, note_on_failure=False, photo_on_failure=False,
                      action_on_failure=False)
    if not fields.get("show_if_key"):
        fields["show_if_key"], fields["show_if_value"] = None, ""
    if fields.get("kind") != "instruction":
        fields["image_id"] = None
    fields.setdefault("action_priority", 3)
    fields.setdefault("action_due_days", 7)
    fields.setdefault("weight", 1)
    return fields


def _check_logic(questions: list, question: ChecklistQuestion) -> None:
    """The rule of `question`, among `questions` in their order, or a DomainError."""
    for problem_question, message in logic_problems(questions):
        if problem_question is question:
            raise DomainError(message, field="show_if_key")


def _followers(draft: ChecklistVersion, question: ChecklistQuestion) -> list:
    return [q for q in draft.questions if q.show_if_key == question.key and q is not question]


def _refuse_orphans(draft: ChecklistVersion, leaving: set[str]) -> None:
    staying = [q for q in draft.questions if q.key not in leaving]
    if any(q.show_if_key in leaving for q in staying):
        raise DomainError(_l("Other questions follow this one: change or remove their rule "
                             "first."))


def _check_room(draft: ChecklistVersion, more: int) -> None:
    if len(draft.questions) + more > MAX_QUESTIONS:
        raise DomainError(_l("A checklist has at most %(max)d questions.", max=MAX_QUESTIONS))


def _check_order(draft: ChecklistVersion, questions: list) -> None:
    problems = logic_problems(questions)
    if problems:
        question, message = problems[0]
        raise DomainError(_l("That would put “%(prompt)s” before the question it follows.",
                             prompt=question.label))


def _insert_after(siblings: list, existing, new) -> None:
    """`new` right after `existing` among `siblings` (a relationship list kept in order)."""
    order = list(siblings)
    order.insert(order.index(existing) + 1, new)
    siblings.append(new)
    _renumber(order)
    siblings.sort(key=lambda record: record.position)


def _renumber(records) -> None:
    for position, record in enumerate(records):
        record.position = position


def move_question(question: ChecklistQuestion, step: int, *, by) -> None:
    """One place up or down; past the top or the bottom of its section, into the section
    before or after (so that a phone needs no dragging)."""
    draft = _editable(question.version)
    section = question.section
    sections = list(draft.sections)
    order = [list(s.questions) for s in sections]
    where = sections.index(section)
    index = order[where].index(question)
    target = index + step
    if 0 <= target < len(order[where]):
        order[where].insert(target, order[where].pop(index))
    elif 0 <= where + step < len(sections):
        order[where].pop(index)
        if step < 0:
            order[where + step].append(question)
        else:
            order[where + step].insert(0, question)
    else:
        return
    _check_order(draft, [q for questions in order for q in questions])
    for owner, questions in zip(sections, order, strict=True):
        for position, moved in enumerate(questions):
            moved.position = position
            if moved.section is not owner:
                moved.section = owner
        owner.questions.sort(key=lambda q: q.position)
    _changed(draft, by, "move_question", question)


def duplicate_question(question: ChecklistQuestion, *, by) -> ChecklistQuestion:
    draft = _editable(question.version)
    _check_room(draft, 1)
    section = question.section
    twin = _copy_question(question, keep_key=False)
    _insert_after(section.questions, question, twin)
    db.session.flush()
    _changed(draft, by, "duplicate_question", twin)
    return twin


def delete_question(question: ChecklistQuestion, *, by) -> None:
    draft = _editable(question.version)
    _refuse_orphans(draft, {question.key})
    section = question.section
    section.questions.remove(question)
    _renumber(section.questions)
    db.session.flush()
    _changed(draft, by, "delete_question")


def _changed(draft: ChecklistVersion, by, change: str, record=None) -> None:
    """A builder edit of the draft: the template's "updated" time, and an audit line saying
    which edit (a change code, with the section or question it touched)."""
    draft.template.updated_at = draft.updated_at = utcnow()
    after = {"draft": draft.number, "change": change}
    if record is not None:
        after[record.__entity__] = record.id
    audit.record(by, "update", draft.template, summary=f"{draft.template.title} "
                 f"v{draft.number}", after=after)


# --- response sets -----------------------------------------------------------------------------

def save_response_set(response_set: ResponseSet | None, *, name: str, name_zh: str,
                      choices: list[dict], active: bool = True, by) -> ResponseSet:
    """Create or change a set. A choice keeps its value when renamed; a new one gets one."""
    choices = [choice for choice in choices
               if (choice.get("label") or "").strip() or (choice.get("label_zh") or "").strip()]
    if len(choices) < 2:
        raise DomainError(_l("Give at least two choices."))
    seen, clean = set(), []
    for choice in choices:
        value = (choice.get("value") or "").strip() or new_key()[:8]
        if value in seen or value in KIND_ANSWERS["pass_fail"] + KIND_ANSWERS["yes_no"]:
            value = new_key()[:8]
        seen.add(value)
        clean.append({"value": value, "label": (choice.get("label") or "").strip(),
                      "label_zh": (choice.get("label_zh") or "").strip(),
                      "failure": bool(choice.get("failure"))})
    created = response_set is None
    if created:
        response_set = ResponseSet()
        db.session.add(response_set)
    before = {"name": response_set.name, "choices": response_set.choices}
    response_set.name, response_set.name_zh = name.strip(), name_zh.strip()
    response_set.choices, response_set.active = clean, active
    db.session.flush()
    audit.record(by, "create" if created else "update", response_set, summary=response_set.name,
                 before=None if created else before,
                 after={"name": response_set.name, "choices": clean})
    return response_set
