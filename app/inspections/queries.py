"""Read-side queries of checklist templates, scoped to what the user may see."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import abort
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.i18n import local_to_utc
from app.core.models import Attachment
from app.core.scoping import scope
from app.extensions import db
from app.inspections import policy
from app.inspections.models import (
    INSPECTION_STATUSES,
    ChecklistQuestion,
    ChecklistSection,
    ChecklistTemplate,
    ChecklistVersion,
    Inspection,
    InspectionAnswer,
    ResponseSet,
    checklist_template_site,
)
from app.sites.models import Location, Site


def _used_at(site_ids):
    return exists().where(checklist_template_site.c.template_id == ChecklistTemplate.id,
                          checklist_template_site.c.site_id.in_(site_ids))


def visible(statement, user):
    if user.is_admin:
        return statement
    return statement.where(or_(ChecklistTemplate.all_sites, _used_at(user.site_ids)))


def template_list(user, *, search: str = "", site_id: int | None = None, status: str = ""):
    """Templates are few (tens, not thousands): a numbered list, searched with LIKE."""
    statement = (select(ChecklistTemplate)
                 .options(selectinload(ChecklistTemplate.versions),
                          selectinload(ChecklistTemplate.sites))
                 .order_by(ChecklistTemplate.title, ChecklistTemplate.id))
    if search:
        pattern = f"%{search.strip()}%"
        statement = statement.where(or_(ChecklistTemplate.title.ilike(pattern),
                                        ChecklistTemplate.title_zh.ilike(pattern)))
    if site_id:
        statement = statement.where(or_(ChecklistTemplate.all_sites, _used_at([site_id])))
    published = exists().where(ChecklistVersion.template_id == ChecklistTemplate.id,
                               ChecklistVersion.published_at.is_not(None))
    if status == "archived":
        statement = statement.where(ChecklistTemplate.archived_at.is_not(None))
    else:
        statement = statement.where(ChecklistTemplate.archived_at.is_(None))
        if status == "published":
            statement = statement.where(published)
        elif status == "draft":
            statement = statement.where(~published)
    return visible(statement, user)


def get_template(user, template_id: int, *, whole_draft: bool = False) -> ChecklistTemplate:
    """A template the user may see (404 otherwise); with its draft's sections and questions
    loaded at once when `whole_draft` (the builder)."""
    template = db.session.get(ChecklistTemplate, template_id)
    if whole_draft and template is not None and template.draft is not None:
        db.session.get(ChecklistVersion, template.draft.id, options=_whole_version(),
                       populate_existing=True)
    if template is None or not policy.may_see(user, template):
        abort(404)
    return template


def _whole_version():
    """A version with its sections and questions (and their sets and pictures) in three
    queries, however many questions it holds."""
    questions = selectinload(ChecklistVersion.sections).selectinload(ChecklistSection.questions)
    return [questions.joinedload(ChecklistQuestion.response_set),
            questions.joinedload(ChecklistQuestion.image)]


def get_version(user, version_id: int) -> ChecklistVersion:
    version = db.session.get(ChecklistVersion, version_id, options=_whole_version())
    if version is None or not policy.may_see(user, version.template):
        abort(404)
    return version


def get_section(user, section_id: int) -> ChecklistSection:
    section = db.session.get(ChecklistSection, section_id)
    if section is None or not policy.may_see(user, section.version.template):
        abort(404)
    return section


def get_question(user, question_id: int) -> ChecklistQuestion:
    question = db.session.get(ChecklistQuestion, question_id)
    if question is None or not policy.may_see(user, question.version.template):
        abort(404)
    return question


def response_sets(active_only: bool = False):
    statement = select(ResponseSet).order_by(ResponseSet.name, ResponseSet.id)
    if active_only:
        statement = statement.where(ResponseSet.active)
    return statement


def get_response_set(set_id: int) -> ResponseSet:
    found = db.session.get(ResponseSet, set_id)
    if found is None:
        abort(404)
    return found


# --- inspections ---------------------------------------------------------------------------------

# The inspection list's order, newest first (keyset pages; ix_inspection_started).
INSPECTION_ORDER = (Inspection.started_at.desc(), Inspection.id.desc())


@dataclass
class HistoryFilters:
    """What the inspection list (the history) and its CSV export are narrowed to. `since` and
    `until` are days of the reader's time zone, both included."""

    mine: bool = False
    status: str = ""
    result: str = ""
    site_id: int | None = None
    template_id: int | None = None
    inspector_id: int | None = None
    location_id: int | None = None
    since: date | None = None
    until: date | None = None
    timezone: str = "UTC"


def inspection_list(user, filters: HistoryFilters):
    statement = (select(Inspection)
                 .options(joinedload(Inspection.template), joinedload(Inspection.location),
                          joinedload(Inspection.inspector), joinedload(Inspection.site))
                 .order_by(*INSPECTION_ORDER))
    return _filtered(statement, user, filters)


def _filtered(statement, user, filters: HistoryFilters):
    """The history's filters; each has an index that leads with it (models.Inspection)."""
    if filters.mine:
        statement = statement.where(Inspection.inspector_id == user.id)
    else:
        statement = scope(statement, user, Inspection.site_id)
    if filters.status in INSPECTION_STATUSES:
        statement = statement.where(Inspection.status == filters.status)
    if filters.result in ("passed", "failed"):
        statement = statement.where(Inspection.passed.is_(filters.result == "passed"))
    for column, value in ((Inspection.site_id, filters.site_id),
                          (Inspection.template_id, filters.template_id),
                          (Inspection.inspector_id, filters.inspector_id),
                          (Inspection.location_id, filters.location_id)):
        if value:
            statement = statement.where(column == value)
    if filters.since:
        statement = statement.where(Inspection.started_at >= local_to_utc(
            datetime.combine(filters.since, time()), filters.timezone))
    if filters.until:
        statement = statement.where(Inspection.started_at < local_to_utc(
            datetime.combine(filters.until + timedelta(days=1), time()), filters.timezone))
    return statement


def answers_for_export(user, filters: HistoryFilters):
    """One row per answer of the filtered inspections, in the list's order, with what the CSV
    needs beside it (the question is looked up in the version it was given in)."""
    photos = (select(func.count(Attachment.id))
              .where(Attachment.entity_type == "inspectionanswer",
                     Attachment.entity_id == InspectionAnswer.id)
              .correlate(InspectionAnswer).scalar_subquery())
    from app.actions.models import Action

    action = (select(Action.reference).where(Action.source_type == "inspectionanswer",
                                            Action.source_id == InspectionAnswer.id)
              .order_by(Action.id).limit(1).correlate(InspectionAnswer).scalar_subquery())
    statement = (select(Inspection.reference, Inspection.started_at, Inspection.version_id,
                        Site.name, Location.name, ChecklistTemplate.title,
                        ChecklistVersion.number, InspectionAnswer.question_key,
                        InspectionAnswer.value, InspectionAnswer.failed, InspectionAnswer.note,
                        photos.label("photos"), action.label("action"))
                 .join(InspectionAnswer, InspectionAnswer.inspection_id == Inspection.id)
                 .join(Site, Site.id == Inspection.site_id)
                 .outerjoin(Location, Location.id == Inspection.location_id)
                 .join(ChecklistTemplate, ChecklistTemplate.id == Inspection.template_id)
                 .join(ChecklistVersion, ChecklistVersion.id == Inspection.version_id)
                 .order_by(*INSPECTION_ORDER, InspectionAnswer.id))
    return _filtered(statement, user, filters)


def my_open_inspections(user):
    """What the user left half done: resumed from the list (few: not paged)."""
    return (select(Inspection).options(joinedload(Inspection.template),
                                       joinedload(Inspection.location))
            .where(Inspection.inspector_id == user.id, Inspection.status == "in_progress")
            .order_by(Inspection.started_at.desc()).limit(20))


def get_inspection(user, inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id, options=[
        selectinload(Inspection.answers), joinedload(Inspection.location),
        joinedload(Inspection.site), joinedload(Inspection.inspector)])
    if inspection is None or not policy.may_see_inspection(user, inspection):
        abort(404)
    # the version as the inspection shows it, sections and questions at once, held by the
    # inspection (the session keeps only weak references: unheld, it would be read again)
    questions = joinedload(ChecklistVersion.sections).joinedload(ChecklistSection.questions)
    version = db.session.get(ChecklistVersion, inspection.version_id, options=[
        questions.joinedload(ChecklistQuestion.response_set),
        questions.joinedload(ChecklistQuestion.image)])  # one query, each answer saved
    set_committed_value(inspection, "version", version)
    return inspection


def photos_by_question(inspection: Inspection) -> dict[str, list]:
    """The photos of each question's answer, in one query."""
    keys = {answer.id: answer.question_key for answer in inspection.answers}
    if not keys:
        return {}
    photos: dict[str, list] = {}
    for photo in db.session.scalars(select(Attachment).where(
            Attachment.entity_type == "inspectionanswer", Attachment.entity_id.in_(keys))
            .order_by(Attachment.id)):
        photos.setdefault(keys[photo.entity_id], []).append(photo)
    return photos


def startable_templates(user, site_id: int):
    """The published, not archived checklists used at a site, for starting an inspection."""
    published = exists().where(ChecklistVersion.template_id == ChecklistTemplate.id,
                               ChecklistVersion.published_at.is_not(None))
    return (select(ChecklistTemplate)
            .where(ChecklistTemplate.archived_at.is_(None), published,
                   or_(ChecklistTemplate.all_sites, _used_at([site_id])))
            .order_by(ChecklistTemplate.title))


def recent_at_location(user, location_id: int, limit: int = 5):
    statement = (select(Inspection).options(joinedload(Inspection.template),
                                            joinedload(Inspection.inspector))
                 .where(Inspection.location_id == location_id)
                 .order_by(Inspection.started_at.desc(), Inspection.id.desc()).limit(limit))
    return scope(statement, user, Inspection.site_id)


def actions_raised(inspection: Inspection):
    """The corrective actions raised from the inspection's answers."""
    from app.actions.models import Action

    ids = [answer.id for answer in inspection.answers]
    return (select(Action).where(Action.source_type == "inspectionanswer",
                                 Action.source_id.in_(ids)).order_by(Action.id))
