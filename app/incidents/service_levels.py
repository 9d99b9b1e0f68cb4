"""Service levels of incidents: the promise per site and severity, clocks that pause and
resume, timers for the page, breach alerts (`flask sla-check`). The timer arithmetic itself is
in `sla.py` (pure functions)."""

from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import audit, notifications, timeline
from app.core.domain import DomainError
from app.core.models import utcnow
from app.core.urls import path_for
from app.extensions import db
from app.incidents import sla
from app.incidents.models import DEFAULT_SLA, OPEN_STATUSES, BusinessHours, Incident, SlaPolicy
from app.incidents.queries import site_supervisors

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
                                 link=path_for("incidents.detail", incident_id=incident.id),
                                 reference=incident.reference, what=str(SLA_WHAT[which]))
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
