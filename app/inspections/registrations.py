"""What inspections put in other domains' registries: failed answers as the source of
corrective actions, the timeline's sentences of an inspection."""

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.actions import sources
from app.core.timeline import register_sentence
from app.core.urls import path_for
from app.extensions import db
from app.inspections import policy
from app.inspections.models import ANSWER_LABELS, InspectionAnswer


def _load_answer(user, answer_id: int) -> InspectionAnswer:
    answer = db.session.get(InspectionAnswer, answer_id)
    if answer is None or not policy.may_see_inspection(user, answer.inspection):
        abort(404)
    return answer


def _answer_url(answer_id: int) -> str | None:
    answer = db.session.get(InspectionAnswer, answer_id)
    if answer is None:
        return None
    return path_for("inspections.inspection", inspection_id=answer.inspection_id) + \
        f"#answer-{answer.question_key}"


def _answer_panel(user, answer_id: int):
    """On the action's page: the question, the answer given, its note and photos."""
    from app.inspections import queries

    answer = db.session.get(InspectionAnswer, answer_id)
    if answer is None or not policy.may_see_inspection(user, answer.inspection):
        return None
    question = next((q for q in answer.inspection.version.questions
                     if q.key == answer.question_key), None)
    if question is None:
        return None
    return "inspections/_action_source.html", {
        "question": question, "row": answer, "inspection": answer.inspection,
        "photos": queries.photos_by_question(answer.inspection).get(answer.question_key, []),
        "answer_labels": ANSWER_LABELS}


sources.register("inspectionanswer", _l("Failed inspection answer"), load=_load_answer,
                 url=_answer_url, panel=_answer_panel)
register_sentence("started", lambda event, labels: _("started the inspection"))
register_sentence("completed", lambda event, labels: _("completed the inspection"))
# "reopened" is said as for an incident ("reopened it"), with the reason
