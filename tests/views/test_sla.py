"""Service levels: policies per site and severity, business hours, pauses, breaches."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core.domain import DomainError
from app.core.models import Notification, utcnow
from app.extensions import db
from app.incidents import service_levels, services
from app.incidents.models import Incident
from tests.conftest import csrf_from, live, make_user
from tests.helpers import make_incident

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0) -> datetime:
    """Shanghai wall-clock time in November 2026 as naive UTC (2026-11-20 is a Friday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC).replace(
        tzinfo=None)


@pytest.fixture
def office_hours_policy(client, login_as, site):
    """Medium incidents at the site: acknowledge in 60 min, resolve in 8 business hours."""
    login_as("supervisor")
    page = client.get(f"/incidents/sla/{site.id}").text
    data = {"csrf_token": csrf_from(page), "days": ["0", "1", "2", "3", "4"],
            "opens": "08:00", "closes": "18:00"}
    for severity, (ack, resolve) in {"low": (240, "48"), "medium": (60, "8"),
                                     "high": (30, "4"), "critical": (15, "2")}.items():
        data |= {f"{severity}_ack": ack, f"{severity}_resolve": resolve}
    data["medium_business"] = "y"
    response = client.post(f"/incidents/sla/{site.id}", data=data)
    assert response.status_code == 303
    return data


def reported_at(app, incident, moment):
    with app.app_context():
        row = db.session.get(Incident, incident.id)
        row.created_at = moment
        service_levels.apply_sla(row)
        db.session.commit()


def load(app, incident) -> Incident:
    return live(Incident, incident.id)


def set_clock(monkeypatch, now) -> None:
    """The time the incident services see (their changes and their SLA clocks)."""
    for module in (services, service_levels):
        monkeypatch.setattr(module, "utcnow", lambda: now)


def test_clock_pauses_and_resumes_across_business_hours(app, client, site, monkeypatch,
                                                        office_hours_policy):
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]))
    reported_at(app, incident, at(20, 14))  # Friday 14:00
    row = load(app, incident)
    assert row.ack_due_at == at(20, 15) and row.resolve_due_at == at(23, 12)  # Monday 12:00
    token = csrf_from(client.get(f"/incidents/{incident.id}").text)

    set_clock(monkeypatch, at(20, 17))  # Friday 17:00
    refused = client.post(f"/incidents/{incident.id}/pause", data={"csrf_token": token})
    assert refused.status_code == 422 and "This field is required." in refused.text
    assert client.post(f"/incidents/{incident.id}/pause", data={
        "csrf_token": token, "reason": "Spare compressor valve"}).status_code == 303
    assert "Spare compressor valve" in client.get(f"/incidents/{incident.id}").text

    set_clock(monkeypatch, at(23, 9, 30))  # Monday 09:30
    assert client.post(f"/incidents/{incident.id}/resume",
                       data={"csrf_token": token}).status_code == 303
    row = load(app, incident)
    assert row.paused_at is None and row.paused_seconds == 2.5 * 3600  # Fri 17-18, Mon 8-9:30
    assert row.resolve_due_at == at(23, 14, 30)
    with app.app_context():
        row = db.session.get(Incident, incident.id)
        assert service_levels.timer(row, "resolve", at(23, 14))["state"] == "at_risk"
        assert service_levels.timer(row, "resolve", at(23, 10))["state"] == "running"
        assert service_levels.timer(row, "resolve", at(23, 15))["state"] == "breached"
    timeline = client.get(f"/incidents/{incident.id}").text
    assert "paused the SLA clock" in timeline and "resumed the SLA clock" in timeline


def test_breaches_are_told_to_supervisors_once(app, client, site, office_hours_policy):
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]))
    reported_at(app, incident, at(20, 14))
    with app.app_context():
        assert service_levels.check_breaches(at(20, 14, 30)) == 0
        assert service_levels.check_breaches(at(20, 15, 1)) == 1  # not acknowledged in 60 min
        assert service_levels.check_breaches(at(20, 16)) == 0  # told once
        assert service_levels.check_breaches(at(23, 12, 1)) == 1  # not resolved by Monday 12:00
        db.session.commit()
        kinds = db.session.scalars(select(Notification.kind)).all()
    assert kinds.count("sla_breached") == 2  # one supervisor, two clocks
    listing = client.get("/incidents/").text
    assert "SLA breached" in listing


def test_acknowledged_in_time_is_met(app, client, login_as, site, office_hours_policy):
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]))
    reported_at(app, incident, at(20, 14))
    with app.app_context():
        row = db.session.get(Incident, incident.id)
        row.acknowledged_at = at(20, 14, 45)
        db.session.commit()
        assert service_levels.timer(row, "ack", at(20, 16))["state"] == "met"


def test_severity_change_applies_the_new_promise(app, client, site, office_hours_policy):
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]))
    reported_at(app, incident, at(20, 14))
    page = client.get(f"/incidents/{incident.id}").text
    client.post(f"/incidents/{incident.id}/triage", data={
        "csrf_token": csrf_from(page), "severity": "critical", "priority": "1",
        "category": "", "assignee": "", "assigned_team": "", "due_at": ""})
    row = load(app, incident)
    assert row.ack_target_minutes == 15 and row.resolve_due_at == at(20, 16)  # round the clock


def test_sla_settings_bad_input(client, login_as, site, office_hours_policy):
    token = office_hours_policy["csrf_token"]
    response = client.post(f"/incidents/sla/{site.id}", data={
        "csrf_token": token, "opens": "25:99", "closes": "", "low_ack": "-5",
        "low_resolve": "lots"})
    assert response.status_code == 422
    assert "Between 1 and 43200." in response.text and 'value="lots"' in response.text


def test_sla_clock_rules_after_review(app, site):
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]),
                             severity="high")  # round the clock: ack 60 min, resolve 8 h
    with app.app_context():
        row = db.session.get(Incident, incident.id)
        row.created_at = utcnow() - timedelta(hours=9)
        service_levels.apply_sla(row)
        row.acknowledged_at = row.created_at + timedelta(hours=2)  # late
        ack_due = row.ack_due_at
        # An incident whose resolve clock ran out cannot be paused to hide it.
        try:
            service_levels.pause(row, reason="parts", by=None)
        except DomainError:
            pass
        else:
            raise AssertionError("a run-out clock was paused")
        # A severity change does not re-tell a breach already told.
        assert service_levels.check_breaches() == 2  # acknowledged late, and not resolved in time
        service_levels.apply_sla(row)
        assert row.ack_due_at == ack_due  # acknowledged: its deadline stays as it was
        assert service_levels.check_breaches() == 0
        # Reopening after days resolved does not count those days against the team.
        row.resolved_at, row.status = row.created_at + timedelta(hours=1), "resolved"
        row.resolve_due_at = row.created_at + timedelta(hours=8)
        services._reopen(row, note="back again", by=None)
        assert row.resolve_due_at > utcnow()
        db.session.rollback()
