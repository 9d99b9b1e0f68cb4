"""Inspections: started at a location against a published version, answered one question at
a time (each answer saved as it is given), completed with a score, failures turned into
corrective actions. The changes of the inspection pages; reads are in queries.py."""

import math
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from app.actions import services as actions
from app.auth.models import User
from app.auth.queries import users_of_site
from app.core import attachments, audit, timeline
from app.core.domain import DomainError
from app.core.i18n import utc_to_local
from app.core.models import utcnow
from app.core.references import next_reference
from app.extensions import db
from app.inspections import policy, queries, scoring
from app.inspections.models import ChecklistTemplate, Inspection, InspectionAnswer

MAX_TEXT = 2000
MAX_NOTE = 2000
MAX_PHOTOS = 10


def start(template: ChecklistTemplate, location, *, by, latitude=None,
          longitude=None) -> Inspection:
    """A new inspection of `template`'s newest published version at `location`."""
    version = template.published
    if version is None or template.archived_at is not None:
        raise DomainError(_l("This checklist is not published for inspections."),
                          field="template")
    if not (template.all_sites or location.site_id in {s.id for s in template.sites}):
        raise DomainError(_l("This checklist is not used at this site."), field="template")
    if not _plausible_position(latitude, longitude):
        latitude = longitude = None
    inspection = Inspection(
        reference=next_reference("INS"), template_id=template.id, version_id=version.id,
        site_id=location.site_id, location_id=location.id, inspector_id=by.id,
        started_at=utcnow(), latitude=latitude, longitude=longitude)
    db.session.add(inspection)
    db.session.flush()
    timeline.add_event(inspection, "started", by=by, to_status="in_progress")
    audit.record(by, "create", inspection, summary=f"{inspection.reference} {template.title}")
    return inspection


def _plausible_position(latitude, longitude) -> bool:
    return all(isinstance(v, float) and math.isfinite(v) for v in (latitude, longitude)) \
        and -90 <= latitude <= 90 and -180 <= longitude <= 180


def _open_for(inspection: Inspection, by) -> None:
    if not inspection.is_open:
        raise DomainError(_l("This inspection is completed: it can no longer change."))
    if not policy.may_answer(by, inspection):
        raise DomainError(_l("Only its inspector or a supervisor may answer this inspection."))


def _question(inspection: Inspection, key: str):
    question = next((q for q in inspection.version.questions if q.key == key), None)
    if question is None:
        raise DomainError(_l("This question is not in the checklist."))
    return question


def parse_value(question, raw):
    """A typed answer from what a form sent (a list for several choices), or DomainError."""
    values = [v.strip() for v in (raw if isinstance(raw, list) else [raw]) if v and v.strip()]
    if not values:
        return None
    kind, first = question.kind, values[0]
    if kind == "pass_fail" and first in ("pass", "fail", "na"):
        return first
    if kind == "yes_no" and first in ("yes", "no"):
        return first
    if kind == "choice":
        known = {c["value"] for c in question.options}
        if not set(values) <= known:
            raise DomainError(_l("Choose one of the answers offered."))
        return values if question.multiple else first
    if kind == "number":
        return _number(first)
    if kind == "text":
        if len(first) > MAX_TEXT:
            raise DomainError(_l("Use at most %(max)d characters.", max=MAX_TEXT))
        return first
    if kind == "datetime":
        try:
            return datetime.fromisoformat(first).replace(tzinfo=None).isoformat(
                timespec="minutes")
        except ValueError:
            raise DomainError(_l("Enter a date and time.")) from None
    raise DomainError(_l("Choose one of the answers offered."))


def _number(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > 1e12:
        raise DomainError(_l("Enter a number such as 12.5 (a point for decimals)."))
    return number


def save_answer(inspection: Inspection, key: str, *, raw, note: str = "",
                by) -> InspectionAnswer:
    """Save (or clear) one question's answer. A question hidden by its rule refuses one."""
    _open_for(inspection, by)
    question = _question(inspection, key)
    if question.kind in ("instruction", "photo", "signature"):
        raise DomainError(_l("This question is answered with a photo or a signature."))
    answers = inspection.answer_values()
    by_key = {q.key: q for q in inspection.version.questions}
    if not scoring.is_shown(question, answers, by_key):
        raise DomainError(_l("This question is not shown now: answer the one before it "
                             "first."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_l("Use at most %(max)d characters.", max=MAX_NOTE), field="note")
    value = parse_value(question, raw)
    answer = _answer_row(inspection, key)
    answer.value, answer.note, answer.answered_by_id = value, note, by.id
    answer.failed = bool(scoring.is_failure(question, value))
    return answer


def _answer_row(inspection: Inspection, key: str) -> InspectionAnswer:
    answer = next((a for a in inspection.answers if a.question_key == key), None)
    if answer is None:
        answer = InspectionAnswer(question_key=key)
        inspection.answers.append(answer)
        db.session.flush()
    return answer


def add_photo(inspection: Inspection, key: str, upload, *, by):
    """A photo for a question: the answer of a photo question, the evidence of a failure."""
    _open_for(inspection, by)
    question = _question(inspection, key)
    answer = _answer_row(inspection, key)
    if len(photos_of(answer)) >= MAX_PHOTOS:
        raise DomainError(_l("At most %(max)d photos per question.", max=MAX_PHOTOS))
    photo = attachments.save_image(upload, entity_type="inspectionanswer", entity_id=answer.id,
                                   site_id=inspection.site_id, by=by)
    if question.kind == "photo":
        answer.value, answer.answered_by_id = "photo", by.id
    return photo


def sign(inspection: Inspection, key: str | None, image, *, by):
    """A signature drawn on the screen: the inspector's own at the end (`key` None), or the
    answer to a signature question (a customer's, say)."""
    _open_for(inspection, by)
    if key is None:
        picture = attachments.save_image(image, entity_type="inspection",
                                         entity_id=inspection.id, site_id=inspection.site_id,
                                         by=by, drawing=True)
        inspection.signature_id = picture.id
        return picture
    question = _question(inspection, key)
    if question.kind != "signature":
        raise DomainError(_l("This question is not signed."))
    answer = _answer_row(inspection, key)
    picture = attachments.save_image(image, entity_type="inspectionanswer",
                                     entity_id=answer.id, site_id=inspection.site_id, by=by,
                                     drawing=True)
    answer.value, answer.answered_by_id = picture.id, by.id
    return picture


def save_section(inspection: Inspection, section, *, sent: dict, photos: dict,
                 by) -> tuple[int, dict[str, DomainError]]:
    """A section's form sent whole (without JavaScript): each answer that changed and each
    photo, question by question in order, so that an answer shows or hides the follow-ups
    after it before they are read. A question sent but hidden by an earlier answer is left
    as it is. What one question refuses does not stop the others: (how many were saved, the
    refusals by question key). `sent`: key -> (raw, note); `photos`: key -> upload."""
    _open_for(inspection, by)
    by_key = {q.key: q for q in inspection.version.questions}
    saved, refused = 0, {}
    for question in section.questions:
        key = question.key
        try:
            with db.session.begin_nested():  # a refusal undoes only its own question
                if key in sent and _shown_now(inspection, question, by_key) and \
                        not _unchanged(inspection, question, *sent[key]):
                    save_answer(inspection, key, raw=sent[key][0], note=sent[key][1], by=by)
                    saved += 1
                if key in photos:
                    add_photo(inspection, key, photos[key], by=by)
                    saved += 1
        except DomainError as error:
            refused[key] = error
    return saved, refused


def _shown_now(inspection: Inspection, question, by_key: dict) -> bool:
    return scoring.is_shown(question, inspection.answer_values(), by_key)


def _unchanged(inspection: Inspection, question, raw, note: str) -> bool:
    """The answer sent is the one saved (a section's form sends every field it shows)."""
    try:
        value = parse_value(question, raw)
    except DomainError:
        return False
    note = (note or "").strip()
    row = next((a for a in inspection.answers if a.question_key == question.key), None)
    if row is None:
        return value is None and not note
    return row.value == value and (row.note or "") == note


def photos_of(answer: InspectionAnswer) -> list:
    return db.session.scalars(attachments.attachments_for("inspectionanswer", answer.id)).all()


# --- completing ----------------------------------------------------------------------------------

def missing(inspection: Inspection, photo_counts: dict[str, int]) -> list[tuple[object, str]]:
    """(question, what it still needs) for each shown question not yet complete, in order."""
    answers = {a.question_key: a for a in inspection.answers}
    values = {key: a.value for key, a in answers.items()}
    needs = []
    for question in scoring.shown_questions(inspection.version, values):
        answer = answers.get(question.key)
        if question.kind == "instruction":
            continue
        if answer is None or answer.value is None:
            if question.required:
                needs.append((question, str(_l("an answer"))))
            continue
        if answer.failed and question.note_on_failure and not answer.note:
            needs.append((question, str(_l("a note on what is wrong"))))
        if answer.failed and question.photo_on_failure and not photo_counts.get(question.key):
            needs.append((question, str(_l("a photo of what is wrong"))))
    return needs


def complete(inspection: Inspection, *, by, photo_counts: dict[str, int]) -> scoring.Score:
    _open_for(inspection, by)
    needs = missing(inspection, photo_counts)
    if not needs and inspection.signature_id is None:
        raise DomainError(_l("Sign the inspection before completing it."), field="signature")
    if needs:
        question, what = needs[0]
        raise DomainError(_l("“%(prompt)s” still needs %(what)s.", prompt=question.label,
                             what=what), field=question.key)
    result = scoring.score(inspection.version, inspection.answer_values())
    inspection.points, inspection.possible = result.points, result.possible
    inspection.passed = result.passed
    inspection.status, inspection.completed_at = "completed", utcnow()
    timeline.add_event(inspection, "completed", by=by, from_status="in_progress",
                       to_status="completed")
    audit.record(by, "update", inspection, summary=inspection.reference,
                 after={"status": "completed", "points": result.points,
                        "possible": result.possible, "passed": result.passed})
    _raise_actions(inspection, result, by)
    return result


def reopen(inspection: Inspection, *, reason: str, by) -> None:
    """A completed inspection answered again (a supervisor's decision, with the reason); its
    timeline keeps the first completion, and completing again scores it again."""
    reason = (reason or "").strip()
    if inspection.is_open:
        raise DomainError(_l("This inspection is not completed."))
    if not policy.may_reopen(by, inspection):
        raise DomainError(_l("Only a supervisor of its site may reopen an inspection."))
    if not reason:
        raise DomainError(_l("Say why it is reopened."), field="reason")
    inspection.status, inspection.completed_at = "in_progress", None
    inspection.reopen_count += 1
    timeline.add_event(inspection, "reopened", by=by, text=reason, from_status="completed",
                       to_status="in_progress")
    audit.record(by, "update", inspection, summary=inspection.reference,
                 before={"status": "completed"}, after={"status": "in_progress",
                                                        "reason": reason})


def _raise_actions(inspection: Inspection, result: scoring.Score, by) -> None:
    """Each failed answer whose question says so becomes a corrective action, owned by a
    supervisor of the site (none: unowned, for a manager to give); once per answer, however
    often the inspection is completed again."""
    answers = {a.question_key: a for a in inspection.answers}
    raised = {action.source_id for action in
              db.session.scalars(queries.actions_raised(inspection))}
    owner = db.session.scalar(users_of_site(inspection.site_id)
                              .where(User.roles.contains("supervisor")).limit(1))
    today = utc_to_local(utcnow(), inspection.site.timezone).date()
    for question in result.failed:
        if not question.action_on_failure:
            continue
        answer = answers[question.key]
        if answer.id in raised:
            continue
        where = inspection.location.name if inspection.location else inspection.site.name
        actions.raise_action(
            answer, site_id=inspection.site_id, owner=owner, by=by,
            title=str(_l("%(prompt)s (%(where)s)", prompt=question.label, where=where))[:200],
            description=answer.note, priority=question.action_priority,
            due_date=today + timedelta(days=question.action_due_days))
