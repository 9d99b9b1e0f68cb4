"""Reporting and handling incidents. Plain functions: no request, no flash, no commit."""

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User, user_site
from app.core import attachments, audit, notifications, timeline
from app.core.models import utcnow
from app.core.references import next_reference
from app.extensions import db
from app.incidents.models import OPEN_STATUSES, ROOT_CAUSES, Incident, IncidentType

TRIAGE_FIELDS = ("severity", "priority", "category", "assignee_id", "assigned_team", "due_at")
TYPE_FIELDS = ("code", "name", "name_zh", "is_complaint", "skill_role", "emergency_procedure",
               "active")
# Who may move an incident where: "handler" is the assignee (or anyone of the assigned team).
TRANSITIONS = {
    ("reported", "acknowledged"): "handler",
    ("reported", "in_progress"): "handler",
    ("acknowledged", "in_progress"): "handler",
    ("reported", "resolved"): "handler",
    ("acknowledged", "resolved"): "handler",
    ("in_progress", "resolved"): "handler",
    ("resolved", "closed"): "manager",
}
REOPENABLE = ("resolved", "closed")
MENTION = re.compile(r"@([A-Za-z0-9._-]{3,40})")

notifications.register("incident_assigned", _l("%(reference)s was assigned to you"))
notifications.register("incident_critical", _l("Critical incident %(reference)s: %(type)s"))
notifications.register("incident_mention", _l("%(who)s mentioned you on %(reference)s"))
notifications.register("incident_resolved", _l("Your report %(reference)s was resolved"))


class IncidentError(ValueError):
    """A change the incident's state does not allow; the message is shown to the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def _link(incident: Incident) -> str:
    return f"/incidents/{incident.id}"


def site_supervisors(site_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(user_site, user_site.c.user_id == User.id)
        .where(user_site.c.site_id == site_id, User.active, User.roles.contains("supervisor"))))


def report(*, site, incident_type: IncidentType, severity: str, occurred_at: datetime,
           description: str, location=None, people_involved: str = "",
           immediate_action: str = "", photos=(), by) -> Incident:
    """Record a report; raises attachments.UploadError (nothing is kept) for a bad photo."""
    incident = Incident(
        reference=next_reference("INC"), site_id=site.id,
        location_id=getattr(location, "id", None), type_id=incident_type.id, severity=severity,
        occurred_at=occurred_at, description=description.strip(),
        people_involved=(people_involved or "").strip(),
        immediate_action=(immediate_action or "").strip(), reporter_id=by.id)
    db.session.add(incident)
    db.session.flush()
    for photo in photos:
        attachments.save_image(photo, entity_type="incident", entity_id=incident.id,
                               site_id=site.id, by=by)
    timeline.add_event(incident, "reported", by=by, to_status="reported")
    audit.record(by, "create", incident, summary=incident.reference)
    if severity == "critical":
        notifications.notify(site_supervisors(site.id), "incident_critical", exclude=by,
                             link=_link(incident), reference=incident.reference,
                             type=incident_type.label)
    return incident


def suggested_assignees(incident: Incident) -> list[tuple[User, bool, int]]:
    """Users of the incident's site: those with the type's skill first, then least open work.

    Returns (user, has_skill, open_incidents) in one query.
    """
    open_work = (select(func.count(Incident.id))
                 .where(Incident.assignee_id == User.id, Incident.status.in_(OPEN_STATUSES))
                 .correlate(User).scalar_subquery())
    rows = db.session.execute(
        select(User, open_work.label("open_work"))
        .join(user_site, user_site.c.user_id == User.id)
        .where(user_site.c.site_id == incident.site_id, User.active)).all()
    skill = incident.type.skill_role
    ranked = [(user, bool(skill) and user.has_role(skill), count) for user, count in rows]
    ranked.sort(key=lambda row: (not row[1], row[2], row[0].name))
    return ranked


def triage(incident: Incident, *, severity: str, priority: int | None, category: str,
           assignee, assigned_team: str, due_at: datetime | None, by) -> None:
    before = audit.snapshot(incident, TRIAGE_FIELDS)
    previous_assignee = incident.assignee_id
    incident.severity, incident.priority = severity, priority
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


def is_handler(user, incident: Incident) -> bool:
    return incident.assignee_id == user.id or (
        bool(incident.assigned_team) and user.has_role(incident.assigned_team))


def allowed_moves(user, incident: Incident) -> list[str]:
    """The statuses this user may move the incident to now (for the buttons to show)."""
    manager = user.has_role("supervisor") or user.is_admin
    moves = [to for (frm, to), who in TRANSITIONS.items() if frm == incident.status and (
        manager or (who == "handler" and is_handler(user, incident)))]
    if manager and incident.status in REOPENABLE:
        moves.append("reopened")
    return moves


def change_status(incident: Incident, to_status: str, *, by, note: str = "",
                  root_cause_category: str = "", root_cause: str = "") -> None:
    if to_status not in allowed_moves(by, incident):
        raise IncidentError(_l("This change is not possible now."))
    note = (note or "").strip()
    if to_status == "reopened":
        return _reopen(incident, note=note, by=by)
    if to_status == "resolved" and not note:
        raise IncidentError(_l("Say how it was resolved."), field="note")
    if root_cause_category and root_cause_category not in ROOT_CAUSES:
        raise IncidentError(_l("Choose from the list."), field="root_cause_category")
    if to_status == "closed" and incident.severity in ("high", "critical"):
        if not root_cause_category or not (root_cause or "").strip():
            raise IncidentError(
                _l("A high or critical incident needs its root cause before it is closed."),
                field="root_cause")
    now = utcnow()
    before = incident.status
    incident.acknowledged_at = incident.acknowledged_at or now  # any move acknowledges it
    if to_status == "resolved":
        incident.resolved_at, incident.resolution = now, note
    if to_status == "closed":
        incident.closed_at = now
        incident.root_cause_category = root_cause_category or incident.root_cause_category
        incident.root_cause = (root_cause or "").strip() or incident.root_cause
    incident.status = to_status
    timeline.add_event(incident, "status", by=by, text=note, from_status=before,
                       to_status=to_status)
    audit.record(by, "update", incident, summary=incident.reference,
                 before={"status": before}, after={"status": to_status})
    if to_status == "resolved" and incident.reporter_id:
        notifications.notify([incident.reporter], "incident_resolved", exclude=by,
                             link=_link(incident), reference=incident.reference)


def _reopen(incident: Incident, *, note: str, by) -> None:
    if not note:
        raise IncidentError(_l("Say why it is reopened."), field="note")
    before = incident.status
    incident.status = "in_progress"
    incident.reopen_count += 1
    incident.resolved_at = incident.closed_at = None
    timeline.add_event(incident, "reopened", by=by, text=note, from_status=before,
                       to_status="in_progress")
    audit.record(by, "update", incident, summary=incident.reference,
                 before={"status": before}, after={"status": "in_progress", "reopened": True})


def comment(incident: Incident, *, text: str, by) -> None:
    """A note on the timeline; @username tells that person."""
    text = (text or "").strip()
    if not text:
        raise IncidentError(_l("Write a comment first."), field="text")
    timeline.add_event(incident, "comment", by=by, text=text)
    names = {name.lower() for name in MENTION.findall(text)}
    if names:
        mentioned = db.session.scalars(select(User).join(
            user_site, user_site.c.user_id == User.id).where(
            user_site.c.site_id == incident.site_id, func.lower(User.username).in_(names)))
        notifications.notify(mentioned, "incident_mention", exclude=by, link=_link(incident),
                             who=by.name, reference=incident.reference)


def add_photo(incident: Incident, file_storage, *, by) -> None:
    photo = attachments.save_image(file_storage, entity_type="incident",
                                   entity_id=incident.id, site_id=incident.site_id, by=by)
    timeline.add_event(incident, "photo", by=by, data={"attachment": str(photo.public_id)})


def save_type(incident_type: IncidentType | None, *, by, **fields) -> IncidentType:
    """Create (incident_type None) or change a type; admins only (checked by the view)."""
    creating = incident_type is None
    if creating:
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
