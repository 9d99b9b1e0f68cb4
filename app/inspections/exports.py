"""The answers of the inspections a history filter finds, as CSV rows (streamed: see
core.csv_export). Each answer is read against the version it was given in."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core.i18n import utc_to_local
from app.extensions import db
from app.inspections import queries
from app.inspections.models import ChecklistQuestion, ChecklistSection, answer_label

ROWS_PER_FETCH = 1000


def header() -> list[str]:
    return [_("Inspection"), _("Date"), _("Site"), _("Location"), _("Checklist"),
            _("Version"), _("Section"), _("Question"), _("Answer"), _("Failed"), _("Note"),
            _("Photos"), _("Action")]


@dataclass(frozen=True)
class QuestionText:
    """What a row says of a question: plain values, read before the rows are streamed (the
    request's session is gone by then)."""

    section: str
    label: str
    kind: str
    options: list


def _questions(version_ids: set[int]) -> dict:
    """(version id, question key) -> the question as a row names it: one query."""
    if not version_ids:
        return {}
    found = db.session.scalars(select(ChecklistQuestion).join(ChecklistQuestion.section)
                               .options(joinedload(ChecklistQuestion.section))
                               .where(ChecklistSection.version_id.in_(version_ids)))
    return {(q.section.version_id, q.key): QuestionText(q.section.label, q.label, q.kind,
                                                          list(q.options)) for q in found}


def _answer_text(question, value) -> object:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(answer_label(question, v) for v in value)
    if isinstance(value, float | int) and not isinstance(value, bool):
        return value  # a reading: a number in the spreadsheet
    if question is not None and question.kind in ("photo", "signature"):
        return _("photo") if question.kind == "photo" else _("signed")
    return answer_label(question, str(value))


def answer_rows(user, filters: queries.HistoryFilters):
    """The rows, one answer each, fetched a thousand at a time as the response is sent.
    The query and the questions are made now, while the user is at hand."""
    statement = queries.answers_for_export(user, filters)
    version_ids = set(db.session.scalars(
        statement.with_only_columns(queries.Inspection.version_id).distinct().order_by(None)))
    return _rows(statement, _questions(version_ids), filters.timezone, _("yes"), _("no"))


def _rows(statement, questions: dict, zone: str, yes: str, no: str):
    rows = db.session.execute(statement.execution_options(yield_per=ROWS_PER_FETCH))
    for (reference, started_at, version_id, site, location, title, number, key, value, failed,
         note, photos, action) in rows:
        question = questions.get((version_id, key))
        yield [reference, utc_to_local(started_at, zone).strftime("%Y-%m-%d %H:%M"),
               site, location or "", title, number,
               question.section if question else "", question.label if question else key,
               _answer_text(question, value), yes if failed else no, note or "", photos,
               action or ""]
