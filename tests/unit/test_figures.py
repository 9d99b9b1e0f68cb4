"""The figures of a site and period, computed from the records."""

from datetime import date, datetime, timedelta

from app.actions.queries import action_figures
from app.extensions import db
from app.incidents.figures import incident_figures, percentile
from app.incidents.models import Incident
from tests.conftest import make_site, make_user
from tests.helpers import make_action, make_incident

START = datetime(2026, 11, 1)


def shape(app, incident, *, created_hours, ack_minutes=None, resolve_hours=None,
          status=None, reopened=0, ack_due_minutes=60, resolve_due_hours=8):
    with app.app_context():
        row = db.session.get(Incident, incident.id)
        row.created_at = START + timedelta(hours=created_hours)
        row.ack_due_at = row.created_at + timedelta(minutes=ack_due_minutes)
        row.resolve_due_at = row.created_at + timedelta(hours=resolve_due_hours)
        row.acknowledged_at = row.created_at + timedelta(minutes=ack_minutes) \
            if ack_minutes is not None else None
        row.resolved_at = row.created_at + timedelta(hours=resolve_hours) \
            if resolve_hours is not None else None
        row.status = status or ("resolved" if resolve_hours is not None else "reported")
        row.reopen_count = reopened
        db.session.commit()


def test_percentile_is_nearest_rank():
    assert percentile([], 0.9) is None
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([5], 0.9) == 5


def test_incident_figures(app, site):
    other = make_site(app, name="Other", code="OTH")
    reporter = make_user(app, username="rep", sites=[site, other])
    cases = [
        # created (h), ack (min), resolved (h), status, reopened
        dict(created_hours=1, ack_minutes=10, resolve_hours=2),  # all in time
        dict(created_hours=2, ack_minutes=30, resolve_hours=10, status="closed"),  # late fix
        dict(created_hours=3, ack_minutes=90, resolve_hours=4, reopened=1),  # late ack
        dict(created_hours=4, ack_minutes=20),  # still open
        dict(created_hours=5),  # not even acknowledged
    ]
    types = ["equipment_failure", "hygiene", "customer_complaint", "hygiene", "injury"]
    severities = ["high", "low", "medium", "low", "critical"]
    for case, code, severity in zip(cases, types, severities, strict=True):
        shape(app, make_incident(app, site, reporter, type_code=code, severity=severity),
              **case)
    shape(app, make_incident(app, other, reporter), created_hours=1)  # another site
    shape(app, make_incident(app, site, reporter), created_hours=24 * 40)  # another period

    with app.app_context():
        figures = incident_figures([site.id], START, START + timedelta(days=30))
    assert figures.total == 5
    assert figures.by_type == {"equipment_failure": 1, "hygiene": 2, "customer_complaint": 1,
                               "injury": 1}
    assert figures.by_severity == {"high": 1, "low": 2, "medium": 1, "critical": 1}
    assert figures.complaints == 1
    assert figures.ack_median == 25 and figures.ack_p90 == 90  # 10, 20, 30, 90 minutes
    assert figures.resolve_median == 240 and figures.resolve_p90 == 600  # 2 h, 4 h, 10 h
    # Clocks that ended: 4 acknowledgements (3 in time) + 3 resolutions (2 in time).
    assert figures.sla_attainment == round(100 * 5 / 7, 1)
    assert figures.resolution_rate == 60.0  # 3 of 5
    assert figures.reopen_rate == round(100 / 3, 1)  # 1 of the 3 resolved


def test_empty_period_has_no_rates(app, site):
    with app.app_context():
        figures = incident_figures([site.id], START, START + timedelta(days=1))
    assert figures.total == 0 and figures.sla_attainment is None and figures.ack_median is None


def test_action_figures(app, site):
    owner = make_user(app, username="owner", sites=[site])
    today = date(2026, 11, 22)
    make_action(app, site, owner, due=today - timedelta(days=1))  # overdue
    make_action(app, site, owner, due=today + timedelta(days=1))
    checked = make_action(app, site, owner, due=today - timedelta(days=5))
    twice = make_action(app, site, owner, due=today - timedelta(days=5))
    from app.actions.models import Action

    with app.app_context():
        db.session.get(Action, checked.id).status = "verified"
        row = db.session.get(Action, twice.id)
        row.status, row.reopen_count = "verified", 1
        db.session.commit()
        figures = action_figures([site.id], today)
    assert figures["overdue"] == 1
    assert figures["verified_effective"] == round(100 * 2 / 3, 1)  # 2 passed, 1 failed check


def test_complaint_rate_and_satisfaction(app, site):
    from app.incidents.models import ServiceRequest
    from tests.helpers import make_request

    reporter = make_user(app, username="rep", sites=[site])
    ratings = [5, 4, 4, None]
    kinds = ["complaint", "request", "request", "complaint"]
    for rating, kind in zip(ratings, kinds, strict=True):
        request_, _token = make_request(app, site, kind=kind)
        with app.app_context():
            row = db.session.get(ServiceRequest, request_.id)
            row.created_at, row.rating = START + timedelta(hours=1), rating
            db.session.commit()
    # A complaint incident reported directly (not from a request) counts too.
    shape(app, make_incident(app, site, reporter, type_code="customer_complaint"),
          created_hours=2)
    with app.app_context():
        figures = incident_figures([site.id], START, START + timedelta(days=30))
    assert figures.service_requests == 4
    assert figures.complaints == 3
    assert figures.complaint_rate == 750.0  # 3 per 4 requests = 750 per 1,000
    assert figures.satisfaction_mean == round(13 / 3, 2)
    assert figures.satisfaction == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
