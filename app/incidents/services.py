"""Reporting and handling incidents. Plain functions: no request, no flash, no commit."""

import re
import secrets
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User, hash_token, user_site
from app.core import attachments, audit, notifications, timeline
from app.core.domain import DomainError
from app.core.models import utcnow
from app.core.references import next_reference
from app.core.urls import path_for
from app.extensions import db
from app.incidents import sla
from app.incidents.models import (
    DEFAULT_SLA,
    OPEN_STATUSES,
    REQUEST_KINDS,
    ROOT_CAUSES,
    BusinessHours,
    Incident,
    IncidentType,
    ServiceRequest,
    SlaPolicy,
)

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


def _link(incident: Incident) -> str:
    return path_for("incidents.detail", incident_id=incident.id)


def site_supervisors(site_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(user_site, user_site.c.user_id == User.id)
        .where(user_site.c.site_id == site_id, User.active, User.roles.contains("supervisor"))))


def report(*, site, incident_type: IncidentType, severity: str, occurred_at: datetime,
           description: str, location=None, people_involved: str = "",
           immediate_action: str = "", photos=(), held=(), by) -> Incident:
    """Record a report; raises attachments.UploadError (nothing is kept) for a bad photo.

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


def can_open(user, incident: Incident) -> bool:
    """The rule of incidents.queries.visible, for one user and one incident."""
    if not user.can_see_site(incident.site_id):
        return False
    return bool(user.role_set - {"staff"}) or user.id in (incident.reporter_id,
                                                          incident.assignee_id)


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
    names = {name.lower() for name in MENTION.findall(text)}
    if names:
        mentioned = [user for user in db.session.scalars(select(User).join(
            user_site, user_site.c.user_id == User.id).where(
            user_site.c.site_id == incident.site_id, User.active,
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


# --- service levels -------------------------------------------------------------------------

AT_RISK_SHARE = 0.2  # less than a fifth of the time left: the timer stands out

notifications.register("sla_breached", _l("SLA breached on %(reference)s: %(what)s"))
SLA_WHAT = {"ack": _l("not acknowledged in time"), "resolve": _l("not resolved in time")}


def policy_for(site_id: int, severity: str) -> tuple[int, int, bool]:
    """(minutes to acknowledge, minutes to resolve, business hours only) for a site."""
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.site_id == site_id,
                                                       SlaPolicy.severity == severity))
    if policy is None:
        return DEFAULT_SLA[severity]
    return policy.ack_minutes, policy.resolve_minutes, policy.business_hours


def calendar_for(incident: Incident) -> sla.Calendar:
    if not incident.sla_business_hours:
        return sla.Calendar()
    cached = incident.__dict__.get("_sla_calendar")  # one lookup per incident and request
    if cached is not None:
        return cached
    incident.__dict__["_sla_calendar"] = _business_calendar(incident)
    return incident.__dict__["_sla_calendar"]


def _business_calendar(incident: Incident) -> sla.Calendar:
    hours = db.session.get(BusinessHours, incident.site_id) or BusinessHours(
        days="0,1,2,3,4", opens=time(8), closes=time(18))
    days = frozenset(int(d) for d in hours.days.split(",") if d.strip().isdigit())
    return sla.Calendar(timezone=incident.site.timezone, days=days, start=hours.opens,
                        end=hours.closes, always=not days)


def apply_sla(incident: Incident) -> None:
    """Targets from the site's policy for the incident's severity, and the due times."""
    ack, resolve, business = policy_for(incident.site_id, incident.severity)
    incident.ack_target_minutes, incident.resolve_target_minutes = ack, resolve
    incident.sla_business_hours = business
    _recompute_due(incident)
    now = utcnow()
    # A breach already told stays told unless the new promise moved it into the future.
    if incident.ack_due_at and incident.ack_due_at > now:
        incident.ack_breach_notified = False
    if incident.resolve_due_at and incident.resolve_due_at > now:
        incident.resolve_breach_notified = False


def _recompute_due(incident: Incident) -> None:
    """Due = the start plus the target plus the working time spent paused."""
    calendar = calendar_for(incident)
    start = incident.created_at or utcnow()

    def due(minutes: int | None):
        if minutes is None:
            return None
        moment = sla.add_business_seconds(calendar, start, minutes * 60 + incident.paused_seconds)
        return moment.replace(tzinfo=None)

    if incident.acknowledged_at is None:  # a met (or missed) acknowledgement stays as it was
        incident.ack_due_at = due(incident.ack_target_minutes)
    incident.resolve_due_at = due(incident.resolve_target_minutes)


def pause(incident: Incident, *, reason: str, by) -> None:
    """Stop the clock while waiting for the customer or for parts."""
    reason = (reason or "").strip()
    if not incident.is_open or incident.paused_at is not None:
        raise DomainError(_l("The clock of this incident cannot be paused now."))
    if incident.resolve_due_at and incident.resolve_due_at < utcnow():
        raise DomainError(_l("The clock has run out already: it cannot be paused."),
                            field="reason")
    if not reason:
        raise DomainError(_l("Say what you are waiting for."), field="reason")
    incident.paused_at, incident.pause_reason = utcnow(), reason[:200]
    timeline.add_event(incident, "paused", by=by, text=reason)


def resume(incident: Incident, *, by) -> None:
    if incident.paused_at is None:
        raise DomainError(_l("The clock is not paused."))
    now = utcnow()
    incident.paused_seconds += int(sla.business_seconds(calendar_for(incident),
                                                        incident.paused_at, now))
    incident.paused_at, incident.pause_reason = None, ""
    _recompute_due(incident)
    timeline.add_event(incident, "resumed", by=by)


def timer(incident: Incident, which: str, now: datetime) -> dict:
    """One SLA clock for display: state (met, breached, at_risk, running, paused), due."""
    due = incident.ack_due_at if which == "ack" else incident.resolve_due_at
    done = incident.acknowledged_at if which == "ack" else incident.resolved_at
    target = incident.ack_target_minutes if which == "ack" else incident.resolve_target_minutes
    if due is None:
        return {"state": "none", "due": None}
    if done is not None:
        return {"state": "met" if done <= due else "breached", "due": due, "done": done}
    if incident.paused_at is not None:
        return {"state": "paused", "due": None, "since": incident.paused_at}
    if now > due:
        return {"state": "breached", "due": due}
    left = sla.business_seconds(calendar_for(incident), now, due)
    at_risk = target and left < AT_RISK_SHARE * target * 60
    return {"state": "at_risk" if at_risk else "running", "due": due}


def check_breaches(now: datetime | None = None) -> int:
    """Tell site supervisors (once) of every clock that ran out; returns how many breached.

    Run every few minutes (`flask sla-check`): a breach is news whether or not anyone opens
    a page.
    """
    now = now or utcnow()
    breached = 0
    candidates = db.session.scalars(select(Incident).where(
        Incident.status.in_(OPEN_STATUSES), Incident.paused_at.is_(None),
        ((Incident.acknowledged_at.is_(None) & ~Incident.ack_breach_notified
          & (Incident.ack_due_at < now))
         | (~Incident.resolve_breach_notified & (Incident.resolve_due_at < now))))
        .with_for_update(skip_locked=True, of=Incident))  # two checkers never tell twice
    for incident in candidates:
        for which, flag in (("ack", "ack_breach_notified"), ("resolve", "resolve_breach_notified")):
            state = timer(incident, which, now)["state"]
            if state != "breached" or getattr(incident, flag):
                continue
            setattr(incident, flag, True)
            breached += 1
            timeline.add_event(incident, "sla_breached", data={"clock": which})
            notifications.notify(site_supervisors(incident.site_id), "sla_breached",
                                 link=_link(incident), reference=incident.reference,
                                 what=str(SLA_WHAT[which]))
    return breached


def save_sla_settings(site, *, policies: dict, days: str, opens: time, closes: time,
                      by) -> None:
    """policies: severity -> (ack minutes, resolve minutes, business hours only)."""
    for severity, (ack, resolve, business) in policies.items():
        policy = db.session.scalar(select(SlaPolicy).where(
            SlaPolicy.site_id == site.id, SlaPolicy.severity == severity))
        if policy is None:
            policy = SlaPolicy(site_id=site.id, severity=severity)
            db.session.add(policy)
        policy.ack_minutes, policy.resolve_minutes = ack, resolve
        policy.business_hours = business
    hours = db.session.get(BusinessHours, site.id)
    if hours is None:
        hours = BusinessHours(site_id=site.id)
        db.session.add(hours)
    hours.days, hours.opens, hours.closes = days, opens, closes
    db.session.flush()
    audit.record(by, "update", site, summary=f"SLA {site.name}",
                 after={"policies": {k: list(v) for k, v in policies.items()},
                        "business_hours": f"{days} {opens:%H:%M}-{closes:%H:%M}"})


def sla_flag(incident: Incident, now: datetime) -> str:
    """For lists, without a query per row: breached, at_risk, paused or "" (wall-clock time
    stands in for business time in the at-risk estimate)."""
    if not incident.is_open:
        return ""
    if incident.paused_at is not None:
        return "paused"
    dues = [(due, target) for due, target, done in (
        (incident.ack_due_at, incident.ack_target_minutes, incident.acknowledged_at),
        (incident.resolve_due_at, incident.resolve_target_minutes, None)) if due and not done]
    if any(now > due for due, _target in dues):
        return "breached"
    if any(target and (due - now).total_seconds() < AT_RISK_SHARE * target * 60
           for due, target in dues):
        return "at_risk"
    return ""


# --- service requests from customers -------------------------------------------------------

notifications.register("request_received", _l("New %(what)s %(reference)s from a customer"))


def submit_request(*, site, kind: str, channel: str, description: str, where_text: str = "",
                   location=None, contact_name: str = "", contact_phone: str = "",
                   contact_email: str = "", photos=(), held=(),
                   by=None) -> tuple[ServiceRequest, str]:
    """Record a request; returns it and the secret token of its status link."""
    token = secrets.token_urlsafe(24)
    request_ = ServiceRequest(
        reference=next_reference("SR"), site_id=site.id, kind=kind, channel=channel,
        description=description.strip(), where_text=(where_text or "").strip(),
        location_id=getattr(location, "id", None), contact_name=(contact_name or "").strip(),
        contact_phone=(contact_phone or "").strip(), contact_email=(contact_email or "").strip(),
        token_hash=hash_token(token), logged_by_id=getattr(by, "id", None))
    db.session.add(request_)
    db.session.flush()
    attachments.attach_held(held, entity_type="servicerequest", entity_id=request_.id,
                            site_id=site.id)
    for photo in photos:
        attachments.save_image(photo, entity_type="servicerequest", entity_id=request_.id,
                               site_id=site.id, by=by)
    audit.record(by, "create", request_, summary=request_.reference)
    notifications.notify(site_supervisors(site.id), "request_received", exclude=by,
                         link=path_for("incidents.request_detail", request_id=request_.id),
                         reference=request_.reference, what=str(REQUEST_KINDS[kind]).lower())
    return request_, token


def request_by_token(token: str) -> ServiceRequest | None:
    return db.session.scalar(select(ServiceRequest).where(
        ServiceRequest.token_hash == hash_token(token)))


def convert_to_incident(request_: ServiceRequest, *, incident_type: IncidentType,
                        severity: str, by) -> Incident:
    """Handle the request as an incident: its photos stay with the request and show there."""
    if request_.incident_id is not None or request_.status not in ("new",):
        raise DomainError(_l("This request is already being handled."))
    where = f"\n\n{request_.where_text}" if request_.where_text else ""
    incident = report(site=request_.site, incident_type=incident_type, severity=severity,
                      occurred_at=request_.created_at, location=request_.location,
                      description=f"{request_.description}{where}", by=by)
    incident.service_request_id = request_.id
    request_.incident_id, request_.status = incident.id, "in_progress"
    timeline.add_event(incident, "from_request", by=by, text=request_.reference)
    audit.record(by, "update", request_, summary=request_.reference,
                 after={"incident": incident.reference, "status": "in_progress"})
    return incident


def close_request(request_: ServiceRequest, *, status: str, note: str, by) -> None:
    """Resolve (or reject) a request directly; the note is shown to the customer."""
    if status not in ("resolved", "rejected") or request_.status != "new":
        # A request handled as an incident follows the incident (sync_request).
        raise DomainError(_l("This change is not possible now."))
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Write a short answer for the customer."), field="note")
    before = request_.status
    request_.status, request_.public_note = status, note
    request_.resolved_at = utcnow() if status == "resolved" else None
    audit.record(by, "update", request_, summary=request_.reference,
                 before={"status": before}, after={"status": status})


def sync_request(incident: Incident) -> None:
    """The customer's status link follows the incident handling their request."""
    for request_ in db.session.scalars(select(ServiceRequest).where(
            ServiceRequest.incident_id == incident.id)):
        if incident.status in ("resolved", "closed"):
            request_.status = incident.status
            request_.resolved_at = request_.resolved_at or incident.resolved_at or utcnow()
        elif request_.status in ("resolved", "closed"):
            request_.status, request_.resolved_at = "in_progress", None


def rate_request(request_: ServiceRequest, *, rating: int, comment: str) -> None:
    if request_.status not in ("resolved", "closed"):
        raise DomainError(_l("You can rate the service once the request is resolved."))
    if request_.rated_at is not None:
        raise DomainError(_l("Thank you: this request has been rated already."))
    if not 1 <= rating <= 5:
        raise DomainError(_l("Choose from 1 to 5."), field="rating")
    request_.rating, request_.rating_comment = rating, (comment or "").strip()
    request_.rated_at = utcnow()
