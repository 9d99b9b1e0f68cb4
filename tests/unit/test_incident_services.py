"""The incident and customer-request services called directly: no request, no HTML, the
rows and the errors they promise (the view tests check the pages built on them)."""

from datetime import datetime

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.core.domain import DomainError
from app.core.models import AuditEvent, Notification, TimelineEvent
from app.extensions import db
from app.incidents import customer_requests, services
from app.incidents.models import Incident, IncidentType, ServiceRequest
from app.sites.models import Site
from tests.conftest import make_user


@pytest.fixture
def people(app, site):
    """A supervisor, a technician and a reporter of `site`, in an app context."""
    make_user(app, username="sup", roles=("supervisor",), sites=[site])
    make_user(app, username="tech", roles=("technician",), sites=[site])
    make_user(app, username="rep", roles=("staff",), sites=[site])
    with app.test_request_context():
        yield {name: db.session.scalar(select(User).filter_by(username=name))
               for name in ("sup", "tech", "rep")}


def _report(site_id, by, severity="medium", **kw):
    return services.report(
        site=db.session.get(Site, site_id),
        incident_type=db.session.scalar(select(IncidentType).filter_by(code="equipment_failure")),
        severity=severity, occurred_at=datetime(2026, 11, 20, 8, 30),
        description="  Pump leaks  ", by=by, **kw)


def _events(incident) -> list[str]:
    return list(db.session.scalars(select(TimelineEvent.kind).filter_by(
        entity_type="incident", entity_id=incident.id).order_by(TimelineEvent.id)))


def test_report_numbers_times_and_records_it(people, site):
    incident = _report(site.id, people["rep"])
    assert incident.reference.startswith("INC-") and incident.status == "reported"
    assert incident.description == "Pump leaks" and incident.resolve_due_at is not None
    assert _events(incident) == ["reported"]
    assert db.session.scalar(select(AuditEvent.action).filter_by(
        entity_type="incident", entity_id=incident.id)) == "create"


def test_a_critical_report_alerts_the_supervisors_not_the_reporter(people, site):
    _report(site.id, people["sup"], severity="critical")
    _report(site.id, people["rep"], severity="critical")
    told = list(db.session.scalars(select(Notification.user_id).filter_by(
        kind="incident_critical")))
    assert told == [people["sup"].id]  # the second one; nobody is told of their own report


def test_triage_assigns_and_tells_the_assignee_once(people, site):
    incident = _report(site.id, people["rep"])
    for _ in range(2):
        services.triage(incident, severity="high", priority=1, category=" pumps ",
                        assignee=people["tech"], assigned_team="", due_at=None,
                        by=people["sup"])
    assert (incident.assignee_id, incident.category, incident.severity) == (
        people["tech"].id, "pumps", "high")
    assert _events(incident) == ["reported", "assigned"]  # the same triage again: no change
    assert db.session.scalar(select(Notification.user_id).filter_by(
        kind="incident_assigned")) == people["tech"].id


def test_status_moves_follow_the_rules(people, site):
    incident = _report(site.id, people["rep"], severity="high")
    with pytest.raises(DomainError):  # the reporter does not handle it
        services.change_status(incident, "in_progress", by=people["rep"])
    with pytest.raises(DomainError) as no_note:
        services.change_status(incident, "resolved", by=people["sup"])
    assert no_note.value.field == "note"
    services.change_status(incident, "resolved", note="New seal", by=people["sup"])
    assert incident.resolved_at is not None and incident.acknowledged_at is not None
    with pytest.raises(DomainError) as no_cause:
        services.change_status(incident, "closed", by=people["sup"])
    assert no_cause.value.field == "root_cause"
    services.change_status(incident, "closed", root_cause_category="equipment",
                           root_cause="Worn seal", by=people["sup"])
    assert incident.status == "closed" and incident.closed_at is not None
    services.change_status(incident, "reopened", note="Leaks again", by=people["sup"])
    assert (incident.status, incident.reopen_count, incident.closed_at) == (
        "in_progress", 1, None)
    assert db.session.scalar(select(Notification.id).filter_by(
        kind="incident_resolved", user_id=people["rep"].id)) is not None


def test_a_closed_incident_keeps_its_triage(people, site):
    incident = _report(site.id, people["rep"])
    services.change_status(incident, "resolved", note="Done", by=people["sup"])
    services.change_status(incident, "closed", by=people["sup"])
    with pytest.raises(DomainError) as refused:
        services.triage(incident, severity="low", priority=None, category="", assignee=None,
                        assigned_team="", due_at=None, by=people["sup"])
    assert refused.value.field == "severity"


def test_mentions_tell_only_those_who_may_open_the_incident(people, site, app):
    outsider = make_user(app, username="far", roles=("supervisor",), sites=())
    incident = _report(site.id, people["rep"])
    services.comment(incident, text="@tech @far @nobody have a look", by=people["sup"])
    told = set(db.session.scalars(select(Notification.user_id).filter_by(
        kind="incident_mention")))
    assert told == {people["tech"].id} and outsider.id not in told
    with pytest.raises(DomainError):
        services.comment(incident, text="   ", by=people["sup"])


def test_type_codes_are_unique(people):
    with pytest.raises(DomainError) as taken:
        services.save_type(None, by=people["sup"], code="hygiene", name="Again", name_zh="",
                           is_complaint=False, skill_role="", emergency_procedure="",
                           active=True)
    assert taken.value.field == "code"


def test_a_customer_request_becomes_an_incident_and_follows_it(people, site):
    request_, token = customer_requests.submit_request(
        site=db.session.get(Site, site.id), kind="complaint", channel="web",
        description="No hot water", where_text="Room 12")
    assert len(token) > 20 and request_.token_hash != token  # only a digest is stored
    incident = customer_requests.convert_to_incident(
        request_, incident_type=db.session.scalar(select(IncidentType).filter_by(
            code="customer_complaint")), severity="medium", by=people["sup"])
    assert incident.service_request_id == request_.id and "Room 12" in incident.description
    with pytest.raises(DomainError):
        customer_requests.convert_to_incident(request_, incident_type=incident.type,
                                              severity="low", by=people["sup"])
    with pytest.raises(DomainError):  # not resolved yet
        customer_requests.rate_request(request_, rating=5, comment="")
    services.change_status(incident, "resolved", note="Boiler fixed", by=people["sup"])
    assert db.session.get(ServiceRequest, request_.id).status == "resolved"
    with pytest.raises(DomainError) as out_of_range:
        customer_requests.rate_request(request_, rating=9, comment="")
    assert out_of_range.value.field == "rating"
    customer_requests.rate_request(request_, rating=4, comment=" ok ")
    assert (request_.rating, request_.rating_comment) == (4, "ok")
    with pytest.raises(DomainError):
        customer_requests.rate_request(request_, rating=5, comment="")


def test_closing_a_request_directly_needs_an_answer(people, site):
    request_, _token = customer_requests.submit_request(
        site=db.session.get(Site, site.id), kind="request", channel="phone",
        description="Extra towels", by=people["sup"])
    with pytest.raises(DomainError) as no_answer:
        customer_requests.close_request(request_, status="resolved", note=" ", by=people["sup"])
    assert no_answer.value.field == "note"
    customer_requests.close_request(request_, status="rejected", note="Not ours",
                                    by=people["sup"])
    assert request_.status == "rejected" and request_.resolved_at is None
    assert db.session.scalar(select(Incident.id)) is None
