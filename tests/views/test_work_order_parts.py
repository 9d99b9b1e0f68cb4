"""Parts for work orders through the test client: a technician asks for parts on the work
order's page (htmx answers the section alone), the storekeeper issues them from the list of
parts asked for, unused parts come back; the work order shows the parts used with their cost
and its total cost (labour at its skill's hourly rate plus parts)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.maintenance import services as maintenance
from app.maintenance import work_log, work_orders
from app.maintenance.models import MaintenanceCode, WorkOrder
from app.stock.models import Movement, PartRequest
from tests.conftest import make_user, sign_in
from tests.helpers import hidden_fields, make_stock, make_work_order

SECTION = {"HX-Request": "true", "HX-Target": "parts"}


@pytest.fixture
def people(app, site):
    return {"boss": make_user(app, username="boss", name="Sue Visor", roles=("supervisor",),
                              sites=[site]),
            "tech": make_user(app, username="tech", name="Tom Tech", roles=("technician",),
                              sites=[site]),
            "keeper": make_user(app, username="kim", name="Kim Keeper",
                                roles=("storekeeper",), sites=[site])}


@pytest.fixture
def job(app, site, people):
    """An approved work order for Tom needing the skill "Mechanic" (80.00 an hour), 90
    minutes logged; a store with 5 bearings in A-01."""
    records = make_work_order(app, site, people["boss"])
    stock = make_stock(app, site, people["keeper"], on_hand=5)
    with app.test_request_context():
        boss = db.session.get(type(people["boss"]), people["boss"].id)
        skill = maintenance.add_code("skill", name="Mechanic", by=boss)
        maintenance.update_code(skill, name="Mechanic", name_zh="", active=True,
                                hourly_rate=Decimal("80"), by=boss)
        work_order = db.session.get(WorkOrder, records["work_order_id"])
        work_orders.approve(work_order, kind="corrective", priority=2,
                            assignee_ids=[people["tech"].id], due_on=None,
                            skill_id=skill.id, by=boss)
        work_log.log_hours(work_order, hours=Decimal("1.5"), worked_on=date.today(),
                           by=db.session.get(type(people["tech"]), people["tech"].id))
        db.session.commit()
        reference = work_order.reference
    return {**records, **stock, "reference": reference}


def _parts(client, job) -> str:
    """The work order's parts, as its page loads them (htmx, after the page)."""
    return client.get(f"/stock/work-orders/{job['work_order_id']}/parts", headers=SECTION).text


def _ask(client, job, **fields):
    keys = hidden_fields(_parts(client, job), "csrf_token", "idempotency_key")
    return client.post(f"/stock/work-orders/{job['work_order_id']}/parts", headers=SECTION,
                       data={**keys, "item": "", "quantity": "1", **fields})


def test_a_technician_asks_for_parts_and_the_storekeeper_issues_them(app, client, people,
                                                                    job):
    sign_in(app, client, people["tech"])
    page = client.get(f"/maintenance/work-orders/{job['work_order_id']}").text
    assert f"/stock/work-orders/{job['work_order_id']}/parts" in page  # loaded after it
    parts = _parts(client, job)
    assert "Ask for parts" in parts and "No parts issued to this work order." in parts
    assert "120.00" in parts and "<html" not in parts  # 1.5 h at 80.00, no parts yet
    whole = client.get(f"/stock/work-orders/{job['work_order_id']}/parts").text
    assert "<html" in whole and "Ask for parts" in whole  # without JavaScript, a page
    unknown = _ask(client, job, item="NOPE-1")
    assert unknown.status_code == 422 and "No item has the code NOPE-1." in unknown.text
    assert 'value="NOPE-1"' in unknown.text and 'id="parts"' in unknown.text
    zero = _ask(client, job, item="ITEM-TST", quantity="0")
    assert zero.status_code == 422 and "Enter a quantity above 0" in zero.text
    asked = _ask(client, job, item="item-tst", quantity="3", note="For the pump")
    assert asked.status_code == 200 and "For the pump" in asked.text
    assert "Asked for" in asked.text and len(asked.data) < 8_000

    sign_in(app, client, people["keeper"])
    listed = client.get("/stock/part-requests/").text
    assert job["reference"] in listed and "Issue from STST" in listed
    with app.app_context():
        request_id = db.session.scalar(select(PartRequest.id))
    screen_url = f"/stock/stores/{job['store_id']}/issue"
    screen = client.get(f"{screen_url}?request={request_id}").text
    assert 'value="ITEM-TST"' in screen and 'value="3"' in screen
    assert f"For the parts asked for on {job['reference']}" in screen
    too_many = client.post(screen_url, data={
        **hidden_fields(screen, "csrf_token", "idempotency_key", "request", "work_order"),
        "bin": "A-01", "item": "ITEM-TST", "quantity": "6"})
    assert too_many.status_code == 422 and "Only 5 pcs" in too_many.text
    issued = client.post(screen_url, data={
        **hidden_fields(screen, "csrf_token", "idempotency_key", "request", "work_order"),
        "bin": "A-01", "item": "ITEM-TST", "quantity": "3"})
    assert issued.status_code == 303
    with app.app_context():
        request_ = db.session.get(PartRequest, request_id)
        movement = db.session.scalar(select(Movement).where(Movement.kind == "issue"))
        assert request_.status == "issued" and request_.issued == 3
        assert movement.request_id == request_id
        assert movement.work_order_id == job["work_order_id"]
    assert job["reference"] not in client.get("/stock/part-requests/").text
    # one unused bearing comes back
    back_url = f"/stock/stores/{job['store_id']}/return"
    back = client.post(back_url, data={**hidden_fields(client.get(back_url).text, "csrf_token",
                                                       "idempotency_key"),
                                       "bin": "A-01", "item": "ITEM-TST", "quantity": "1",
                                       "work_order": job["reference"]})
    assert back.status_code == 303

    sign_in(app, client, people["tech"])
    page = _parts(client, job)
    assert "Parts used" in page and "2 pcs" in page
    assert "25.00" in page  # 2 x 12.50
    assert "145.00" in page  # total: 120.00 labour + 25.00 parts


def test_a_request_is_cancelled_by_who_asked_and_only_while_waiting(app, client, people, job):
    sign_in(app, client, people["tech"])
    assert _ask(client, job, item="ITEM-TST", quantity="2").status_code == 200
    with app.app_context():
        request_id = db.session.scalar(select(PartRequest.id))
    sign_in(app, client, people["keeper"])
    keeper_token = hidden_fields(client.get("/stock/").text, "csrf_token")
    other = client.post(f"/stock/part-requests/{request_id}/cancel", data=keeper_token)
    assert other.status_code == 403  # a storekeeper does not ask, nor cancel
    sign_in(app, client, people["tech"])
    token = hidden_fields(_parts(client, job), "csrf_token")
    done = client.post(f"/stock/part-requests/{request_id}/cancel", data=token)
    assert done.status_code == 303
    again = client.post(f"/stock/part-requests/{request_id}/cancel", data=token,
                        follow_redirects=True)
    assert "Only a request still waiting can be cancelled." in again.text
    with app.app_context():
        assert db.session.get(PartRequest, request_id).status == "cancelled"


def test_parts_are_not_asked_for_on_a_request_not_yet_approved(app, client, site, people):
    records = make_work_order(app, site, people["boss"])
    sign_in(app, client, people["tech"])
    page = client.get(f"/maintenance/work-orders/{records['work_order_id']}").text
    assert "/parts" not in page  # nothing is used on a request
    parts = client.get(f"/stock/work-orders/{records['work_order_id']}/parts")
    assert parts.status_code == 200 and "Ask for parts" not in parts.text
    token = hidden_fields(parts.text, "csrf_token")
    make_stock(app, site, people["keeper"])
    asked = client.post(f"/stock/work-orders/{records['work_order_id']}/parts",
                        data={**token, "item": "ITEM-TST", "quantity": "1"})
    assert asked.status_code == 422
    assert "Parts are asked for on open work orders." in asked.text


def test_a_skill_has_an_hourly_rate(app, client, people):
    admin = make_user(app, username="root", roles=("admin",))
    with app.test_request_context():
        skill = maintenance.add_code("skill", name="Electrician", by=None)
        category = maintenance.add_code("category", name="Pumps", by=None)
        db.session.commit()
        skill_id, category_id = skill.id, category.id
    sign_in(app, client, admin)
    page = client.get(f"/maintenance/lists/entries/{skill_id}").text
    assert "Cost of an hour" in page
    saved = client.post(f"/maintenance/lists/entries/{skill_id}", data={
        **hidden_fields(page, "csrf_token"), "name": "Electrician", "active": "y",
        "hourly_rate": "95.50"})
    assert saved.status_code == 303
    bad = client.post(f"/maintenance/lists/entries/{skill_id}", data={
        **hidden_fields(page, "csrf_token"), "name": "Electrician", "active": "y",
        "hourly_rate": "-3"})
    assert bad.status_code == 422 and "Enter a cost of 0 or more." in bad.text
    assert "Cost of an hour" not in client.get(f"/maintenance/lists/entries/{category_id}").text
    with app.app_context():
        assert db.session.get(MaintenanceCode, skill_id).hourly_rate == Decimal("95.50")


def test_a_storekeepers_home_counts_the_parts_waiting(app, client, people, job):
    sign_in(app, client, people["tech"])
    assert _ask(client, job, item="ITEM-TST", quantity="1").status_code == 200
    sign_in(app, client, people["keeper"])
    home = client.get("/").text
    assert "parts asked for, to issue" in home and "<strong>1</strong>" in home
    sign_in(app, client, people["boss"])
    assert "parts asked for, to issue" not in client.get("/").text
