"""Preventive maintenance plans through the test client: added from an asset's page (bad
input kept), its page, edited, paused and resumed, copied to a category; the plan list and
its filters; the PM calendar and its weeks; generation when the pages are read; the manager's
home page counting overdue preventive work."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.maintenance import preventive
from app.maintenance.models import Asset, MaintenancePlan, WorkOrder
from tests.conftest import csrf_from, make_user, sign_in
from tests.helpers import hidden_fields, make_asset, make_plan


@pytest.fixture
def people(app, site):
    return {
        "sue": make_user(app, username="sue", name="Sue Visor", roles=("supervisor",),
                         sites=[site]),
        "tom": make_user(app, username="tom", name="Tom Tech", roles=("technician",),
                         sites=[site]),
    }


def _as(app, client, user) -> str:
    sign_in(app, client, user)
    return csrf_from(client.get("/profile").text)


def _today(app, site):
    with app.test_request_context():
        return preventive.site_today(site)


def _plans(app):
    with app.app_context():
        return db.session.scalars(select(MaintenancePlan).order_by(MaintenancePlan.id)).all()


def _work(app, plan_id):
    with app.app_context():
        return db.session.scalars(select(WorkOrder).filter_by(plan_id=plan_id)
                                  .order_by(WorkOrder.id)).all()


def test_a_plan_is_added_from_the_asset_page_and_its_work_opens_when_due(app, client, site,
                                                                          people):
    records = make_asset(app, site, people["sue"])
    token = _as(app, client, people["sue"])
    page = client.get(f"/maintenance/assets/{records['asset_uuid']}")
    assert "Add a maintenance plan" in page.text
    form = client.get(f"/maintenance/assets/{records['asset_uuid']}/plans/new")
    assert form.status_code == 200 and "Due by a meter" in form.text
    today = _today(app, site)
    response = client.post(f"/maintenance/assets/{records['asset_uuid']}/plans/new", data={
        **hidden_fields(form.text), "csrf_token": token, "title": "Weekly check",
        "tasks": "Look\nListen", "kind": "preventive", "priority": "3", "every": "1",
        "every_unit": "week", "fixed": "fixed", "starts_on": today.isoformat(),
        "lead_days": "0", "estimated_hours": "1.5"})
    assert response.status_code == 303
    (plan,) = _plans(app)
    assert (plan.title, plan.estimated_minutes, plan.next_due_on) == ("Weekly check", 90, today)
    (work_order,) = _work(app, plan.id)  # due today: opened at once
    page = client.get(response.headers["Location"])
    assert "Weekly check" in page.text and work_order.reference in page.text
    assert "about 1.5 h" in page.text
    work_page = client.get(f"/maintenance/work-orders/{work_order.id}")
    assert "Weekly check" in work_page.text and "due by the calendar" in work_page.text
    asset_page = client.get(f"/maintenance/assets/{records['asset_uuid']}")
    assert "Every week (fixed)" in asset_page.text


def test_a_refused_plan_keeps_what_was_typed(app, client, site, people):
    records = make_asset(app, site, people["sue"])
    token = _as(app, client, people["sue"])
    url = f"/maintenance/assets/{records['asset_uuid']}/plans/new"
    for fields, message in (
            ({"every": "", "meter": ""}, "Set a calendar interval, a meter interval or a "
                                         "meter limit."),
            ({"every": "abc"}, "Not a valid integer value."),
            ({"every": "2", "starts_on": ""}, "Enter the date it is first due."),
            ({"every": "1", "every_unit": "week", "starts_on": "2027-01-04",
              "lead_days": "9"}, "The lead time must be shorter than the interval."),
            ({"meter": str(records["meter_id"]), "meter_every": "100", "lead_units": "-1"},
             "Enter a number of 0 or more."),
            ({"meter": str(records["meter_id"]), "meter_every": "1e9999"}, "Enter a number"),
            ({"meter": "99999", "meter_every": "100"}, "Choose a meter of this asset.")):
        data = {"csrf_token": token, "title": "Keep <me>", "kind": "preventive",
                "priority": "3", "every_unit": "month", "fixed": "fixed", **fields}
        response = client.post(url, data=data)
        assert response.status_code == 422, fields
        assert message in response.text.replace("&#39;", "'"), fields
        assert 'value="Keep &lt;me&gt;"' in response.text
    assert _plans(app) == []


def test_a_plan_is_edited_paused_resumed_and_copied(app, client, site, people):
    plan_id = make_plan(app, site, people["sue"])["plan_id"]
    make_asset(app, site, people["sue"], code="PM-TWIN")  # another pump
    token = _as(app, client, people["sue"])
    form = client.get(f"/maintenance/plans/{plan_id}/edit")
    assert 'value="Monthly service"' in form.text
    response = client.post(f"/maintenance/plans/{plan_id}/edit", data={
        "csrf_token": token, "title": "Quarterly service", "kind": "preventive",
        "priority": "2", "every": "3", "every_unit": "month", "fixed": "floating",
        "starts_on": _today(app, site).isoformat(), "lead_days": "3"})
    assert response.status_code == 303
    (plan,) = _plans(app)
    assert (plan.title, plan.every, plan.fixed, plan.priority) == (
        "Quarterly service", 3, False, 2)
    assert len(_work(app, plan_id)) == 1  # first due today now: open
    client.post(f"/maintenance/plans/{plan_id}/pause", data={"csrf_token": token})
    page = client.get(f"/maintenance/plans/{plan_id}")
    assert "Paused" in page.text and "Resume plan" in page.text
    again = client.post(f"/maintenance/plans/{plan_id}/pause", data={"csrf_token": token},
                        follow_redirects=True)
    assert "The plan is paused already." in again.text
    client.post(f"/maintenance/plans/{plan_id}/resume", data={"csrf_token": token})
    assert "Pause plan" in client.get(f"/maintenance/plans/{plan_id}").text
    copied = client.post(f"/maintenance/plans/{plan_id}/copy", data={"csrf_token": token},
                         follow_redirects=True)
    assert "Copied to 1 asset." in copied.text
    with app.app_context():
        copies = db.session.scalars(select(MaintenancePlan).where(
            MaintenancePlan.id != plan_id)).all()
        assert [(c.asset.code, c.title, c.every) for c in copies] == [
            ("PM-TWIN", "Quarterly service", 3)]


def test_the_plan_list_and_its_filters(app, client, site, people):
    plan_id = make_plan(app, site, people["sue"])["plan_id"]
    _as(app, client, people["sue"])
    listing = client.get("/maintenance/plans/")
    assert "Monthly service" in listing.text and "1 plan" in listing.text
    paused = client.get("/maintenance/plans/?state=paused", headers={
        "HX-Request": "true", "HX-Target": "plan_results"})
    assert "No plan matches." in paused.text and "<html" not in paused.text
    with app.app_context():
        db.session.get(MaintenancePlan, plan_id).skipped_in_row = 3
        db.session.commit()
    skipped = client.get("/maintenance/plans/?state=skipped")
    assert "Skipped 3 times in a row" in skipped.text


def test_the_pm_calendar_shows_eight_weeks_of_load_and_overdue_work(app, client, site,
                                                                     people):
    today = _today(app, site)
    # a week ago, today, in a week... (on a fixed grid, a date already past shows the grid's
    # next: ten days ago would put it in next week from Thursday on)
    weekly = make_plan(app, site, people["sue"], title="Weekly look", every=1,
                       every_unit="week", starts_on=today - timedelta(days=7),
                       estimated_minutes=120)["plan_id"]
    _as(app, client, people["tom"])
    page = client.get("/maintenance/pm-calendar")
    assert page.status_code == 200
    (work_order,) = _work(app, weekly)  # generated by reading the page: a week overdue
    assert "1 overdue" in page.text and work_order.reference in page.text
    assert "Estimated hours per week" in page.text
    assert page.text.count("Weekly look") >= 2  # overdue, and this week's (planned)
    fragment = client.get(f"/maintenance/pm-calendar?site={site.id}&week=7", headers={
        "HX-Request": "true", "HX-Target": "pm_week"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "Weekly look" in fragment.text and "(planned)" in fragment.text
    assert len(fragment.data) < 8000


def test_reading_my_work_opens_what_fell_due(app, client, site, people):
    today = _today(app, site)
    records = make_plan(app, site, people["sue"], starts_on=today + timedelta(days=1))
    assert _work(app, records["plan_id"]) == []
    with app.app_context():
        plan = db.session.get(MaintenancePlan, records["plan_id"])
        plan.starts_on = plan.next_due_on = plan.opens_on = today
        db.session.commit()
    _as(app, client, people["tom"])
    page = client.get("/maintenance/my-work")
    (work_order,) = _work(app, records["plan_id"])
    assert work_order.reference in page.text and "Preventive" in page.text
    client.get("/maintenance/my-work")
    assert len(_work(app, records["plan_id"])) == 1


def test_a_managers_home_counts_overdue_preventive_work(app, client, site, people):
    today = _today(app, site)
    make_plan(app, site, people["sue"], starts_on=today - timedelta(days=3))
    _as(app, client, people["sue"])
    home = client.get("/")
    assert "of them preventive" in home.text and "PM calendar" in home.text


def test_the_maintenance_overview_of_a_site_a_category_and_an_asset(app, client, site, people):
    records = make_asset(app, site, people["sue"])
    with app.app_context():
        asset_id = db.session.scalar(select(Asset.id).filter_by(
            public_id=records["asset_uuid"]))
    _as(app, client, people["sue"])
    page = client.get("/maintenance/overview")
    assert page.status_code == 200
    assert "Availability" in page.text and "MTTR" in page.text and "PM done on time" in page.text
    assert "No downtime in this period." in page.text
    for period in ("4w", "12w", "12m", "nonsense"):
        assert client.get(f"/maintenance/overview?period={period}&category="
                          f"{records['code_id']}").status_code == 200
    fragment = client.get(f"/maintenance/overview?site={site.id}&asset={asset_id}", headers={
        "HX-Request": "true", "HX-Target": "overview_figures"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "PUMP-TST" in fragment.text and len(fragment.data) < 8000
    asset_page = client.get(f"/maintenance/assets/{records['asset_uuid']}")
    assert 'hx-get="/maintenance/overview?site=' in asset_page.text
    _as(app, client, people["tom"])
    assert client.get("/maintenance/overview").status_code == 403
    assert 'id="overview_figures"' not in client.get(
        f"/maintenance/assets/{records['asset_uuid']}").text


def test_work_opened_long_before_it_is_due_is_not_in_the_eight_weeks(app, client, site,
                                                                   people):
    today = _today(app, site)
    records = make_plan(app, site, people["sue"], every=6, every_unit="month",
                        starts_on=today + timedelta(days=90), lead_days=100)
    (work_order,) = _work(app, records["plan_id"])  # opens 100 days ahead: now
    assert work_order.due_on == today + timedelta(days=90)
    _as(app, client, people["sue"])
    page = client.get("/maintenance/pm-calendar")
    assert page.status_code == 200 and "No preventive work due by the calendar" in page.text
