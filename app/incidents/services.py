"""Reporting and handling incidents: the changes only (reads are in queries.py, record rules
in policy.py, service levels in service_levels.py, customer requests in
customer_requests.py). Plain functions: no request, no flash, no commit."""

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.queries import users_of_site
from app.core import attachments, audit, notifications, timeline
from app.core.domain import DomainError
from app.core.models import utcnow
from app.core.references import next_reference
from app.core.urls import path_for
from app.extensions import db
from app.incidents import sla
from app.incidents.models import (
    ROOT_CAUSES,
    Incident,
    IncidentType,
    ServiceRequest,
)
from app.incidents.policy import allowed_moves, can_open
from app.incidents.queries import site_supervisors
from app.incidents.service_levels import _recompute_due, apply_sla, calendar_for, resume

TRIAGE_FIELDS = ("severity", "priority", "category", "assignee_id", "assigned_team", "due_at")
TYPE_FIELDS = ("code", "name", "name_zh", "is_complaint", "skill_role", "emergency_procedure",
               "active")

notifications.register("incident_assigned", _l("%(reference)s was assigned to you"))
notifications.register("incident_critical", _l("Critical incident %(reference)s: %(type)s"))
notifications.register("incident_mention", _l("%(who)s mentioned you on %(reference)s"))
notifications.register("incident_resolved", _l("Your report %(reference)s was resolved"))


def _link(incident: Incident) -> str:
    return path_for("incidents.detail", incident_id=incident.id)


def report(*, site, incident_type: IncidentType, severity: str, occurred_at: datetime,
           description: str, location=None, people_involved: str = "",
           immediate_action: str = "", photos=(), held=(), by) -> Incident:
    """Record a report; raises DomainError on the photos (nothing is kept) for a bad one.

    `held`: photos this form sent before, when it was refused (attachments.held)."""
    incident = Incident(
        reference=next_reference("INC"), site_id=site.id,
        location_id=getattr(location, "id", None), type_id=incident_type.id, severity=severity,
        occurred_at=occurred_at, description=description.strip(),
        people_involved=(people_involved or "").strip(),
        immediate_action=(immediate_action or "").strip(), reporter_id=by.id)
    db.session.add(incident)
    db.session.flush()
    apply_sla(incident)
    attachments.attach_held(held, entity_type="incident", entity_id=incident.id,
                            site_id=site.id)
    try:
        for photo in photos:
            attachments.save_image(photo, entity_type="incident", entity_id=incident.id,
                                   site_id=site.id, by=by)
    except attachments.UploadError as error:  # not held: the reporter chooses them again
        raise DomainError(_("%(problem)s Choose the photos again.", problem=str(error)),
                          field="photos") from error
    timeline.add_event(incident, "reported", by=by, to_status="reported")
    audit.record(by, "create", incident, summary=incident.reference)
    if severity == "critical":
        notifications.notify(site_supervisors(site.id), "incident_critical", exclude=by,
                             link=_link(incident), reference=incident.reference,
                             type=incident_type.label)
    return incident


def triage(incident: Incident, *, severity: str, priority: int | None, category: str,
           assignee, assigned_team: str, due_at: datetime | None, by) -> None:
    if not incident.is_open:
        raise DomainError(_l("Reopen the incident to change its triage."), field="severity")
    before = audit.snapshot(incident, TRIAGE_FIELDS)
    previous_assignee = incident.assignee_id
    severity_changed = severity != incident.severity
    incident.severity, incident.priority = severity, priority
    if severity_changed:
        apply_sla(incident)  # the promise of the new severity, counted from the report
    incident.category = (category or "").strip()
    incident.assignee_id = getattr(assignee, "id", None)
    incident.assigned_team = assigned_team or ""
    incident.due_at = due_at
    old, new = audit.changes(before, audit.snapshot(incident, TRIAGE_FIELDS))
    if not new:
        return
    audit.record(by, "update", incident, summary=incident.reference, before=old, after=new)
    kind = "assigned" if "assignee_id" in new or "assigned_team" in new else "triaged"
    timeline.add_event(incident, kind, by=by, data={
        "severity": incident.severity, "priority": incident.priority,
        "assignee": assignee.name if assignee else "", "team": incident.assigned_team})
    if assignee is not None and assignee.id != previous_assignee:
        notifications.notify([assignee], "incident_assigned", exclude=by, link=_link(incident),
                             reference=incident.reference)


def change_status(incident: Incident, to_status: str, *, by, note: str = "",
                  root_cause_category: str = "", root_cause: str = "") -> None:
    if to_status not in allowed_moves(by, incident):
        raise DomainError(_l("This change is not possible now."))
    note = (note or "").strip()
    if to_status == "reopened":
        return _reopen(incident, note=note, by=by)
    if to_status == "resolved" and not note:
        raise DomainError(_l("Say how it was resolved."), field="note")
    if root_cause_category and root_cause_category not in ROOT_CAUSES:
        raise DomainError(_l("Choose from the list."), field="root_cause_category")
    if to_status == "closed" and incident.severity in ("high", "critical"):
        if not root_cause_category or not (root_cause or "").strip():
            raise DomainError(
                _l("A high or critical incident needs its root cause before it is closed."),
                field="root_cause")
    now = utcnow()
    before = incident.status
    if to_status in ("resolved", "closed") and incident.paused_at is not None:
        resume(incident, by=by)
    incident.acknowledged_at = incident.acknowledged_at or now  # any move acknowledges it
    if to_status == "resolved":
        incident.resolved_at, incident.resolution = now, note
    if to_status == "closed":
        incident.closed_at = now
        incident.root_cause_category = root_cause_category or incident.root_cause_category
        incident.root_cause = (root_cause or "").strip() or incident.root_cause
    incident.status = to_status
    sync_request(incident)
    timeline.add_event(incident, "status", by=by, text=note, from_status=before,
                       to_status=to_status)
    audit.record(by, "update", incident, summary=incident.reference,
                 before={"status": before}, after={"status": to_status})
    if to_status == "resolved" and incident.reporter_id:
        notifications.notify([incident.reporter], "incident_resolved", exclude=by,
                             link=_link(incident), reference=incident.reference)


def _reopen(incident: Incident, *, note: str, by) -> None:
    if not note:
        raise DomainError(_l("Say why it is reopened."), field="note")
    before = incident.status
    incident.status = "in_progress"
    incident.reopen_count += 1
    if incident.resolved_at is not None:
        # The time it sat resolved was not the team's: it counts as a pause.
        incident.paused_seconds += int(sla.business_seconds(
            calendar_for(incident), incident.resolved_at, utcnow()))
        _recompute_due(incident)
        if incident.resolve_due_at and incident.resolve_due_at > utcnow():
            incident.resolve_breach_notified = False
    incident.resolved_at = incident.closed_at = None
    sync_request(incident)
    timeline.add_event(incident, "reopened", by=by, text=note, from_status=before,
                       to_status="in_progress")
    audit.record(by, "update", incident, summary=incident.reference,
                 before={"status": before}, after={"status": "in_progress", "reopened": True})


def comment(incident: Incident, *, text: str, by) -> None:
    """A note on the timeline; @username tells that person."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write a comment first."), field="text")
    timeline.add_event(incident, "comment", by=by, text=text)
    names = notifications.mentioned_usernames(text)
    if names:
        mentioned = [user for user in db.session.scalars(users_of_site(incident.site_id).where(
            func.lower(User.username).in_(names))) if can_open(user, incident)]
        notifications.notify(mentioned, "incident_mention", exclude=by, link=_link(incident),
                             who=by.name, reference=incident.reference)


def add_photo(incident: Incident, file_storage, *, by) -> None:
    photo = attachments.save_image(file_storage, entity_type="incident",
                                   entity_id=incident.id, site_id=incident.site_id, by=by)
    timeline.add_event(incident, "photo", by=by, data={"attachment": str(photo.public_id)})


def add_type_file(incident_type: IncidentType, file_storage, *, by):
    """A procedure document or picture for everyone who reports this type (no site)."""
    attachment = attachments.save_file(file_storage, entity_type="incidenttype",
                                       entity_id=incident_type.id, site_id=None, by=by)
    audit.record(by, "add_photo", incident_type, summary=incident_type.label)
    return attachment


def save_type(incident_type: IncidentType | None, *, by, **fields) -> IncidentType:
    """Create (incident_type None) or change a type; admins only (checked by the view)."""
    creating = incident_type is None
    if creating:
        if db.session.scalar(select(IncidentType.id).filter_by(code=fields["code"])):
            raise DomainError(_l("Another type uses this code."), field="code")
        incident_type = IncidentType(code=fields["code"])
        db.session.add(incident_type)
    before = {} if creating else audit.snapshot(incident_type, TYPE_FIELDS)
    for name in ("name", "name_zh", "is_complaint", "skill_role", "emergency_procedure",
                 "active"):
        if name in fields:
            setattr(incident_type, name, fields[name])
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(incident_type, TYPE_FIELDS))
    if new:
        audit.record(by, "create" if creating else "update", incident_type,
                     summary=incident_type.label, before=old or None, after=new)
    return incident_type

def sync_request(incident: Incident) -> None:
    """The customer's status link follows the incident handling their request."""
    for request_ in db.session.scalars(select(ServiceRequest).where(
            ServiceRequest.incident_id == incident.id)):
        if incident.status in ("resolved", "closed"):
            request_.status = incident.status
            request_.resolved_at = request_.resolved_at or incident.resolved_at or utcnow()
        elif request_.status in ("resolved", "closed"):
            request_.status, request_.resolved_at = "in_progress", None
