"""Regressions for defects found in review: each test names the rule it protects."""

import re
import time
from datetime import timedelta

from sqlalchemy import func, select

from app.core.domain import DomainError
from app.core.models import Notification, utcnow
from app.extensions import db
from app.incidents import service_levels, services
from app.incidents.models import Incident, ServiceRequest
from tests.conftest import csrf_from, make_site, make_user
from tests.helpers import hidden_fields, make_incident, make_request


def public_fields(client, code):
    page = client.get(f"/incidents/r/{code}").text
    return hidden_fields(page, "csrf_token", "idempotency_key", "started")


def test_anonymous_visitors_never_share_an_idempotency_key(app, site, monkeypatch):
    first, second = app.test_client(), app.test_client()
    one, two = public_fields(first, site.code), public_fields(second, site.code)
    two["idempotency_key"] = one["idempotency_key"]  # a collision, or a copied form
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 10)
    answers = [client.post(f"/incidents/r/{site.code}", data={
        **fields, "kind": "request", "description": f"Request from visitor {n}"})
        for n, (client, fields) in enumerate(((first, one), (second, two)))]
    assert answers[0].headers["Location"] != answers[1].headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count(ServiceRequest.id))) == 2


def test_a_form_stamp_only_works_for_its_own_site(app, client, site, monkeypatch):
    other = make_site(app, name="Other", code="OTH")
    fields = public_fields(client, site.code)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 10)
    response = client.post(f"/incidents/r/{other.code}", data={
        **fields, "kind": "request", "description": "Stamp from another page"})
    assert response.status_code == 422


def test_mentions_reach_only_people_who_can_open_the_incident(app, client, login_as, site):
    make_user(app, username="cleaner", roles=("staff",), sites=[site])
    colleague = make_user(app, username="mei", roles=("inspector",), sites=[site])
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]))
    login_as("supervisor")
    token = csrf_from(client.get(f"/incidents/{incident.id}").text)
    client.post(f"/incidents/{incident.id}/comments", data={
        "csrf_token": token, "text": "@cleaner @mei please look"})
    with app.app_context():
        told = db.session.scalars(select(Notification.user_id)).all()
    assert told == [colleague.id]


def test_a_request_handled_as_an_incident_is_not_answered_apart(app, client, login_as, site):
    request_, _token = make_request(app, site)
    login_as("supervisor")
    page = client.get(f"/incidents/requests/{request_.id}").text
    type_id = re.search(r'<option value="(\d+)"', page.split('name="type"')[1]).group(1)
    client.post(f"/incidents/requests/{request_.id}/convert", data={
        "csrf_token": csrf_from(page), "type": type_id, "severity": "low"})
    refused = client.post(f"/incidents/requests/{request_.id}/answer", data={
        "csrf_token": csrf_from(page), "to": "rejected", "note": "We will not do this"})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(ServiceRequest, request_.id).status == "in_progress"


def test_dates_out_of_this_century_are_refused_not_500(app, client, login_as, site):
    login_as("supervisor")
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]))
    page = client.get(f"/incidents/{incident.id}").text
    for due in ("0001-01-01T00:00", "9999-12-31T23:59"):
        response = client.post(f"/incidents/{incident.id}/triage", data={
            "csrf_token": csrf_from(page), "severity": "low", "priority": "",
            "category": "", "assignee": "", "assigned_team": "", "due_at": due})
        assert response.status_code == 422 and "between 2000 and 2100" in response.text
    bad_sla = client.post(f"/incidents/sla/{site.id}", data={
        "csrf_token": csrf_from(page), "low_resolve": "sNaN"})
    assert bad_sla.status_code == 422


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
