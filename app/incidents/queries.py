"""Read-side queries for incidents, each scoped to what the user may see."""

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.auth.models import User, hash_token
from app.auth.queries import users_of_site
from app.core.db import for_change
from app.core.models import utcnow
from app.core.scoping import scope
from app.core.search import list_order, search_in
from app.extensions import db
from app.incidents.models import OPEN_STATUSES, Incident, IncidentType, ServiceRequest


def sees_all_of_site(user) -> bool:
    """Staff see what they reported or were given; every other role sees its sites' incidents."""
    return bool(user.role_set - {"staff"})


def visible(statement, user):
    statement = scope(statement, user, Incident.site_id)
    if not sees_all_of_site(user):
        statement = statement.where(or_(Incident.reporter_id == user.id,
                                        Incident.assignee_id == user.id))
    return statement


# The incident list's order, newest first: served by ix_incident_created.
INCIDENT_ORDER = (Incident.created_at.desc(), Incident.id.desc())


def incident_order(search: str = "") -> tuple[tuple, object]:
    """The list's order (newest first) and how to read a row's key, searched or not."""
    return list_order("fts_incident", search, INCIDENT_ORDER)


def request_order(search: str = "") -> tuple[tuple, object]:
    return list_order("fts_service_request", search, REQUEST_ORDER)


def incident_list(user, *, search="", status="", type_id=None, severity="", site_id=None,
                  assignee_id=None, overdue=False, location_id=None):
    statement = (select(Incident)
                 .options(joinedload(Incident.site), joinedload(Incident.location),
                          joinedload(Incident.assignee))
                 .order_by(*INCIDENT_ORDER))
    if search:  # the full-text index (core.search): words, references, Chinese words
        statement = search_in(statement, Incident.id, "fts_incident", search)
    if status == "open":
        statement = statement.where(Incident.status.in_(OPEN_STATUSES))
    elif status:
        statement = statement.where(Incident.status == status)
    if type_id:
        statement = statement.where(Incident.type_id == type_id)
    if severity:
        statement = statement.where(Incident.severity == severity)
    if site_id:
        statement = statement.where(Incident.site_id == site_id)
    if assignee_id:
        statement = statement.where(Incident.assignee_id == assignee_id)
    if location_id:
        statement = statement.where(Incident.location_id == location_id)
    if overdue:
        statement = statement.where(Incident.status.in_(OPEN_STATUSES),
                                    Incident.due_at.is_not(None), Incident.due_at < utcnow())
    return visible(statement, user)


def get_incident(user, incident_id: int) -> Incident:
    statement = (select(Incident).where(Incident.id == incident_id)
                 .options(joinedload(Incident.site), joinedload(Incident.location),
                          joinedload(Incident.reporter), joinedload(Incident.assignee)))
    incident = db.session.scalar(for_change(visible(statement, user)))
    if incident is None:
        abort(404)
    return incident


def active_types():
    return select(IncidentType).where(IncidentType.active).order_by(IncidentType.position,
                                                                    IncidentType.id)


def all_types():
    return select(IncidentType).order_by(IncidentType.position, IncidentType.id)


REQUEST_ORDER = (ServiceRequest.created_at.desc(), ServiceRequest.id.desc())


def request_list(user, *, status="", channel="", kind="", search=""):
    statement = (select(ServiceRequest).options(joinedload(ServiceRequest.site))
                 .order_by(*REQUEST_ORDER))
    if status:
        statement = statement.where(ServiceRequest.status == status)
    if channel:
        statement = statement.where(ServiceRequest.channel == channel)
    if kind:
        statement = statement.where(ServiceRequest.kind == kind)
    if search:  # the full-text index (core.search)
        statement = search_in(statement, ServiceRequest.id, "fts_service_request", search)
    return scope(statement, user, ServiceRequest.site_id)


def get_request(user, request_id: int) -> ServiceRequest:
    request_ = db.session.scalar(for_change(select(ServiceRequest).where(
        ServiceRequest.id == request_id)))
    if request_ is None or not user.can_see_site(request_.site_id):
        abort(404)
    return request_


def type_id_of(code: str):
    return select(IncidentType.id).where(IncidentType.code == code)


def site_supervisors(site_id: int) -> list[User]:
    return list(db.session.scalars(
        users_of_site(site_id).where(User.roles.contains("supervisor"))))


def suggested_assignees(incident: Incident) -> list[tuple[User, bool, int]]:
    """Users of the incident's site: those with the type's skill first, then least open work.

    Returns (user, has_skill, open_incidents) in one query.
    """
    open_work = (select(func.count(Incident.id))
                 .where(Incident.assignee_id == User.id, Incident.status.in_(OPEN_STATUSES))
                 .correlate(User).scalar_subquery())
    rows = db.session.execute(
        users_of_site(incident.site_id).add_columns(open_work.label("open_work"))).all()
    skill = incident.type.skill_role
    ranked = [(user, bool(skill) and user.has_role(skill), count) for user, count in rows]
    ranked.sort(key=lambda row: (not row[1], row[2], row[0].name))
    return ranked


def request_by_token(token: str) -> ServiceRequest | None:
    return db.session.scalar(select(ServiceRequest).where(
        ServiceRequest.token_hash == hash_token(token)))
