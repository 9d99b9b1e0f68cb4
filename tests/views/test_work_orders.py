"""Fault reports and work orders through the test client: reported from an asset (the asset
down), approved and assigned, started, put on hold, done, verified and closed; rejected and
cancelled with a reason; "My work" by assignment and skill; the list, its filters and the
backlog; comments that mention; the home pages."""

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.models import Attachment, Notification
from app.extensions import db
from app.maintenance.models import Asset, Downtime, TechnicianSkill, WorkOrder
from tests.conftest import csrf_from, make_user, sign_in
from tests.helpers import hidden_fields, image_bytes, make_asset, make_work_order


@pytest.fixture
def people(app, site):
    return {
        "sue": make_user(app, username="sue", name="Sue Visor", roles=("supervisor",),
                         sites=[site]),
        "tom": make_user(app, username="tom", name="Tom Tech", roles=("technician",),
                         sites=[site]),
        "tia": make_user(app, username="tia", name="Tia Tech", roles=("technician",),
                         sites=[site]),
        "sam": make_user(app, username="sam", name="Sam Staff", roles=("staff",),
                         sites=[site]),
    }


def _as(app, client, user) -> str:
    sign_in(app, client, user)
    return csrf_from(client.get("/profile").text)


def _told(app, user, kind: str) -> list[dict]:
    with app.app_context():
        return [n.params for n in db.session.scalars(select(Notification).filter_by(
            user_id=user.id, kind=kind))]


def _work(app, work_order_id) -> WorkOrder:
    with app.app_context():
        return db.session.get(WorkOrder, work_order_id)


def _move(client, token, work_order_id, to, **fields):
    return client.post(f"/maintenance/work-orders/{work_order_id}/move", data={
        "csrf_token": token, "to": to, **{f"{to}-{k}": v for k, v in fields.items()}})


def _plan(client, token, work_order_id, **fields):
    data = {"csrf_token": token, "kind": "corrective", "priority": "3", **fields}
    return client.post(f"/maintenance/work-orders/{work_order_id}/plan", data=data)


def test_a_fault_from_the_asset_page_to_a_closed_work_order(app, client, site, people):
    records = make_asset(app, site, people["sue"])
    asset_url = f"/maintenance/assets/{records['asset_uuid']}"
    _as(app, client, people["sam"])
    assert "Report a fault" in client.get(asset_url).text
    form = client.get(f"{asset_url}/fault")
    assert form.status_code == 200
    response = client.post(f"{asset_url}/fault", data={
        **hidden_fields(form.text, "csrf_token", "idempotency_key"),
        "description": "Seal leaking, water on the floor", "asset_down": "y",
        "photos": (io.BytesIO(image_bytes()), "leak.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        work_order = db.session.scalar(select(WorkOrder))
        asset = db.session.get(Asset, work_order.asset_id)
        assert work_order.status == "requested" and work_order.reference.startswith("WO-")
        assert asset.status == "down"
        assert db.session.scalar(select(func.count(Downtime.id)).where(
            Downtime.ended_at.is_(None))) == 1
        assert db.session.scalar(select(func.count(Attachment.id)).filter_by(
            entity_type="workorder")) == 1
    page = client.get(response.headers["Location"]).text
    assert "Fault reported as WO-" in page and "Seal leaking" in page and "Requested" in page
    assert _told(app, people["sue"], "fault_reported")

    token = _as(app, client, people["sue"])
    approved = _plan(client, token, work_order.id, priority="2",
                     assignees=str(people["tom"].id), due_on="2030-01-31")
    assert approved.status_code == 303
    assert _work(app, work_order.id).status == "open"
    assert _told(app, people["sam"], "fault_approved")
    assert _told(app, people["tom"], "work_assigned")

    token = _as(app, client, people["tom"])
    assert f"{work_order.reference} · PUMP-TST" in client.get("/maintenance/my-work").text
    assert "My work orders" in client.get("/").text and work_order.reference in client.get("/").text
    assert _move(client, token, work_order.id, "in_progress").status_code == 303
    refused = _move(client, token, work_order.id, "on_hold", hold_reason="other")
    assert refused.status_code == 422 and "Say what the work is waiting for." in refused.text
    assert _move(client, token, work_order.id, "on_hold", hold_reason="parts",
                 reason="Seal kit ordered").status_code == 303
    assert "Waiting for parts: Seal kit ordered" in client.get(
        f"/maintenance/work-orders/{work_order.id}").text
    assert _move(client, token, work_order.id, "in_progress").status_code == 303
    refused = _move(client, token, work_order.id, "done")
    assert refused.status_code == 422 and "Say what was done." in refused.text
    assert _move(client, token, work_order.id, "done", work_done="Replaced the seal",
                 back_in_service="y").status_code == 303
    with app.app_context():
        assert db.session.get(Asset, work_order.asset_id).status == "in_service"
        assert db.session.scalar(select(func.count(Downtime.id)).where(
            Downtime.ended_at.is_(None))) == 0
    assert _told(app, people["sam"], "work_done") and _told(app, people["sue"], "work_done")
    assert _move(client, token, work_order.id, "closed").status_code == 422  # not his to verify

    token = _as(app, client, people["sam"])  # who reported it verifies it
    assert _move(client, token, work_order.id, "closed").status_code == 303
    done = _work(app, work_order.id)
    assert done.status == "closed" and done.verified_by_id == people["sam"].id
    page = client.get(f"/maintenance/work-orders/{work_order.id}").text
    for words in ("reported it", "approved it as a work order", "moved it to On hold",
                  "moved it to Done", "moved it to Closed"):
        assert words in page, words


def test_open_work_is_planned_again_on_its_own_page(app, client, site, people):
    work_order_id = make_work_order(app, site, people["sam"])["work_order_id"]
    token = _as(app, client, people["sue"])
    assert client.get(f"/maintenance/work-orders/{work_order_id}/plan").status_code == 303
    _plan(client, token, work_order_id, assignees=str(people["tom"].id))
    assert "Change the plan" in client.get(f"/maintenance/work-orders/{work_order_id}").text
    page = client.get(f"/maintenance/work-orders/{work_order_id}/plan")
    assert page.status_code == 200
    assert re.search(rf'<input checked [^>]*value="{people["tom"].id}"> Tom Tech', page.text)
    refused = _plan(client, token, work_order_id, priority="9")
    assert refused.status_code == 422 and "Save plan" in refused.text
    assert _plan(client, token, work_order_id, priority="1",
                 assignees=[str(people["tom"].id), str(people["tia"].id)]).status_code == 303
    assert _told(app, people["tia"], "work_assigned")
    assert len(_told(app, people["tom"], "work_assigned")) == 1  # told once, when first given
    assert _work(app, work_order_id).priority == 1


def test_rejected_and_cancelled_work_says_why(app, client, site, people):
    rejected = make_work_order(app, site, people["sam"], asset_down=True)["work_order_id"]
    token = _as(app, client, people["sue"])
    response = _move(client, token, rejected, "rejected")
    assert response.status_code == 422 and "Say why." in response.text
    assert _move(client, token, rejected, "rejected", reason="Works as designed"
                 ).status_code == 303
    assert _told(app, people["sam"], "fault_rejected")[0]["reason"] == "Works as designed"
    with app.app_context():
        assert db.session.get(Asset, _work(app, rejected).asset_id).status == "in_service"
    cancelled = make_work_order(app, site, people["sam"], code="P-2")["work_order_id"]
    assert _plan(client, token, cancelled).status_code == 303
    token = _as(app, client, people["tom"])
    response = _move(client, token, cancelled, "cancelled", reason="Not needed")
    assert response.status_code == 422  # a technician does not cancel work
    assert "This work order cannot be moved there now." in response.text
    token = _as(app, client, people["sue"])
    assert _move(client, token, cancelled, "cancelled", reason="Replaced by a new pump"
                 ).status_code == 303
    assert "Replaced by a new pump" in client.get(f"/maintenance/work-orders/{cancelled}").text


def test_my_work_is_mine_and_my_skills(app, client, site, people):
    from app.maintenance import services

    with app.test_request_context():
        electrical = services.add_code("skill", name="Electrical", by=None)
        mechanical = services.add_code("skill", name="Mechanical", by=None)
        db.session.add(TechnicianSkill(user_id=people["tom"].id, skill_id=electrical.id))
        db.session.commit()
        electrical_id, mechanical_id = electrical.id, mechanical.id
    token = _as(app, client, people["sue"])
    plans = {"P-MINE": {"assignees": str(people["tom"].id), "priority": "3"},
             "P-THEIRS": {"assignees": str(people["tia"].id)},
             "P-ELEC": {"skill": str(electrical_id), "priority": "1"},
             "P-MECH": {"skill": str(mechanical_id)},
             "P-ANY": {"priority": "4"}}
    for code, plan in plans.items():
        work_order_id = make_work_order(app, site, people["sam"], code=code)["work_order_id"]
        assert _plan(client, token, work_order_id, **plan).status_code == 303
    _as(app, client, people["tom"])
    page = client.get("/maintenance/my-work").text
    assert "P-THEIRS" not in page and "P-MECH" not in page
    assert page.index("P-ELEC") < page.index("P-MINE") < page.index("P-ANY")  # P1 first


def test_the_list_its_filters_and_the_backlog(app, client, site, people):
    first = make_work_order(app, site, people["sam"], code="P-1")["work_order_id"]
    second = make_work_order(app, site, people["sam"], code="P-2")["work_order_id"]
    token = _as(app, client, people["sue"])
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert _plan(client, token, first, assignees=str(people["tom"].id), due_on=yesterday
                 ).status_code == 303
    listed = client.get("/maintenance/work-orders/").text
    assert "Backlog by age" in listed and "<strong>2</strong><span>up to a week" in listed
    overdue = client.get("/maintenance/work-orders/?overdue=1").text
    assert "P-1 Feed pump" in overdue and "P-2 Feed pump" not in overdue
    assert "Overdue" in overdue
    mine = client.get(f"/maintenance/work-orders/?assignee={people['tom'].id}").text
    assert "P-1 Feed pump" in mine and "P-2 Feed pump" not in mine
    requested = client.get("/maintenance/work-orders/?status=requested").text
    assert "P-2 Feed pump" in requested and "P-1 Feed pump" not in requested
    unfinished = client.get(f"/maintenance/work-orders/?status=unfinished&site={site.id}").text
    assert "P-1 Feed pump" in unfinished and "P-2 Feed pump" in unfinished
    elsewhere = client.get("/maintenance/work-orders/?status=unfinished&site=999999").text
    assert "P-1 Feed pump" not in elsewhere
    home = client.get("/").text
    assert "fault reports to approve" in home and "overdue work orders" in home
    _as(app, client, people["sam"])  # staff: only what they reported
    other = make_work_order(app, site, people["tia"], code="P-3")["work_order_id"]
    listed = client.get("/maintenance/work-orders/").text
    assert "P-1 Feed pump" in listed and "P-3 Feed pump" not in listed
    unfinished = client.get("/maintenance/work-orders/?status=unfinished").text
    assert "P-1 Feed pump" in unfinished and "P-3 Feed pump" not in unfinished
    assert client.get(f"/maintenance/work-orders/{other}").status_code == 404
    assert second


def test_a_comment_tells_who_it_mentions(app, client, site, people):
    work_order_id = make_work_order(app, site, people["sam"])["work_order_id"]
    token = _as(app, client, people["sue"])
    url = f"/maintenance/work-orders/{work_order_id}/comments"
    empty = client.post(url, data={"csrf_token": token, "text": "  "})
    assert empty.status_code == 422 and "This field is required." in empty.text
    page = client.get(f"/maintenance/work-orders/{work_order_id}").text
    response = client.post(url, data={**hidden_fields(page, "csrf_token", "idempotency_key"),
                                      "text": "@tom can you look today?"})
    assert response.status_code == 303
    assert _told(app, people["tom"], "work_mention")
    assert "@tom can you look today?" in client.get(
        f"/maintenance/work-orders/{work_order_id}").text


def test_a_fault_report_from_an_equipment_failure(app, client, site, people):
    from app.incidents.models import Incident
    from tests.helpers import Upload, first_location, make_incident

    location = first_location(app, site)
    make_asset(app, site, people["sue"])  # at the site's first location
    incident = make_incident(app, site, people["sam"], location=location,
                             description="Pump screaming, then stopped")
    with app.test_request_context():  # a photo of the incident
        from app.core import attachments

        attachments.save_image(Upload(image_bytes()), entity_type="incident",
                               entity_id=incident.id, site_id=site.id, by=None)
        db.session.commit()
    token = _as(app, client, people["sue"])
    page = client.get(f"/incidents/{incident.id}").text
    assert "Equipment fault" in page and "PUMP-TST Feed pump" in page
    url = f"/maintenance/faults/from-incident/{incident.id}"
    nowhere = client.post(url, data={"csrf_token": token, "asset_code": "NOPE"},
                          follow_redirects=True)
    assert "Choose an asset of the incident&#39;s site." in nowhere.text  # flashed, escaped
    response = client.post(url, data={**hidden_fields(page, "csrf_token", "idempotency_key"),
                                      "asset_code": "pump-tst"})
    assert response.status_code == 303
    with app.app_context():
        work_order = db.session.scalar(select(WorkOrder).filter_by(incident_id=incident.id))
        assert work_order.description.endswith("Pump screaming, then stopped")
        assert db.session.scalar(select(func.count(Attachment.id)).filter_by(
            entity_type="workorder", entity_id=work_order.id)) == 1
        reference = db.session.get(Incident, incident.id).reference
        assert work_order.description.startswith(reference)
    twice = client.post(url, data={"csrf_token": token, "asset_code": "PUMP-TST"},
                        follow_redirects=True)
    assert f"{work_order.reference} was reported from this incident already." in twice.text
    assert work_order.reference in client.get(f"/incidents/{incident.id}").text


def test_my_work_pages_in_order_of_urgency(app, client, site, people):
    """Thirty open work orders, none assigned: a page of 25, most urgent first, then by due
    date (none last), and the rest on page 2."""
    asset_uuid = make_asset(app, site, people["sue"], code="P-9")["asset_uuid"]
    with app.app_context():
        asset = db.session.scalar(select(Asset).filter_by(public_id=asset_uuid))
        today = date.today()
        for number in range(30):
            db.session.add(WorkOrder(
                reference=f"WO-U-{number:02d}", site_id=site.id, asset_id=asset.id,
                kind="corrective", status="open", description="x", priority=1 + number % 4,
                due_on=None if number == 0 else today + timedelta(days=number)))
        db.session.commit()
    _as(app, client, people["tom"])
    first = re.findall(r"WO-U-\d\d", client.get("/maintenance/my-work").text)
    second = re.findall(r"WO-U-\d\d", client.get("/maintenance/my-work?page=2").text)
    listed = list(dict.fromkeys(first)) + list(dict.fromkeys(second))
    expected = sorted(range(30), key=lambda n: (1 + n % 4, n == 0, n))
    assert listed == [f"WO-U-{n:02d}" for n in expected]
    assert len(set(first)) == 25
