"""What technicians log on a work order: tasks with readings, timers kept on the server (two
technicians, a timer left running elsewhere, stopped twice), typed hours, downtime, photos
before and after, failure / cause / remedy, the verifier's signature where the type asks for
it; the skills page; corrective actions raised from a work order."""

import base64
import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.models import Attachment
from app.extensions import db
from app.maintenance import work_log
from app.maintenance.models import Asset, LabourEntry, WorkOrder, WorkTask
from tests.conftest import csrf_from, make_user, sign_in
from tests.helpers import hidden_fields, image_bytes, make_work_order


@pytest.fixture
def people(app, site):
    return {name: make_user(app, username=name, name=name.title(), roles=(role,),
                            sites=[site])
            for name, role in (("sue", "supervisor"), ("tom", "technician"),
                               ("tia", "technician"), ("sam", "staff"))}


@pytest.fixture
def open_work(app, client, site, people):
    """An approved work order (a fault reported by Sam), for anyone; signed in as Tom."""
    records = make_work_order(app, site, people["sam"])
    token = _as(app, client, people["sue"])
    client.post(f"/maintenance/work-orders/{records['work_order_id']}/plan",
                data={"csrf_token": token, "kind": "corrective", "priority": "2"})
    return records


def _as(app, client, user) -> str:
    sign_in(app, client, user)
    return csrf_from(client.get("/profile").text)


def _url(records, tail=""):
    return f"/maintenance/work-orders/{records['work_order_id']}{tail}"


def _work(app, records) -> WorkOrder:
    with app.app_context():
        return db.session.get(WorkOrder, records["work_order_id"])


def test_tasks_are_ticked_with_readings(app, client, people, open_work):
    token = _as(app, client, people["tom"])
    page = client.get(_url(open_work)).text
    added = client.post(_url(open_work, "/tasks"), data={
        **hidden_fields(page, "csrf_token", "idempotency_key"), "text": "Read the pressure"})
    assert added.status_code == 303
    with app.app_context():
        task = db.session.scalar(select(WorkTask).filter_by(text="Read the pressure"))
    url, prefix = _url(open_work, f"/tasks/{task.id}"), f"t{task.id}"
    refused = client.post(url, data={"csrf_token": token, f"{prefix}-done": "y",
                                     f"{prefix}-reading": "NaN"})
    assert refused.status_code == 422 and "Enter a number." in refused.text
    assert client.post(url, data={"csrf_token": token, f"{prefix}-done": "y",
                                  f"{prefix}-reading": "4.25", f"{prefix}-note": "steady"}
                       ).status_code == 303
    with app.app_context():
        task = db.session.get(WorkTask, task.id)
        assert task.done and float(task.reading) == 4.25 and task.done_by_id == people["tom"].id
    page = client.get(_url(open_work)).text
    assert "ticked a task" in page and "Read the pressure" in page
    empty = client.post(_url(open_work, "/tasks"), data={
        **hidden_fields(page, "csrf_token", "idempotency_key"), "text": " "})
    assert empty.status_code == 422


def test_timers_run_on_the_server_each_technician_their_own(app, client, site, people,
                                                             open_work, monkeypatch):
    clock = {"now": datetime(2026, 12, 1, 1, 0)}
    monkeypatch.setattr(work_log, "utcnow", lambda: clock["now"])
    token = _as(app, client, people["tom"])
    timer = _url(open_work, "/timer")
    assert client.post(timer, data={"csrf_token": token, "do": "start"}).status_code == 303
    assert _work(app, open_work).status == "in_progress"  # the clock started the work
    again = client.post(timer, data={"csrf_token": token, "do": "start"}, follow_redirects=True)
    assert "Your timer is running on this work order already." in again.text
    clock["now"] += timedelta(minutes=50)  # the phone was off; the page shows it running
    page = client.get(_url(open_work)).text
    assert "Your timer is running since" in page and "Stop my timer" in page
    tia = _as(app, client, people["tia"])
    assert client.post(timer, data={"csrf_token": tia, "do": "start"}).status_code == 303
    token = _as(app, client, people["tom"])
    stopped = client.post(timer, data={"csrf_token": token, "do": "stop"},
                          follow_redirects=True)
    assert "Timer stopped: 0 h 50 min." in stopped.text
    twice = client.post(timer, data={"csrf_token": token, "do": "stop"}, follow_redirects=True)
    assert twice.status_code == 200
    assert "Your timer is not running on this work order: it was stopped already." in twice.text
    # a timer started on other work stops the one left running here
    other = make_work_order(app, site, people["sam"], code="P-2")
    sue = _as(app, client, people["sue"])
    client.post(_url(other, "/plan"), data={"csrf_token": sue, "kind": "corrective",
                                            "priority": "3"})
    token = _as(app, client, people["tom"])
    assert client.post(timer, data={"csrf_token": token, "do": "start"}).status_code == 303
    moved = client.post(_url(other, "/timer"), data={"csrf_token": token, "do": "start"},
                        follow_redirects=True)
    assert f"Your timer on {_work(app, open_work).reference} was stopped." in moved.text
    clock["now"] += timedelta(minutes=10)
    client.post(_url(open_work, "/move"), data={"csrf_token": token, "to": "done",
                                                "done-work_done": "Fixed"})
    with app.app_context():  # done: everyone's timer on it stopped
        running = db.session.scalars(select(LabourEntry).where(
            LabourEntry.work_order_id == open_work["work_order_id"],
            LabourEntry.ended_at.is_(None))).all()
        assert running == []
        tia_minutes = db.session.scalar(select(LabourEntry.minutes).where(
            LabourEntry.user_id == people["tia"].id))
        assert tia_minutes == 10


def test_typed_hours_are_checked(app, client, people, open_work):
    _as(app, client, people["tom"])
    url = _url(open_work, "/hours")
    cases = {"-2": "Enter hours between 0 and 24.", "25": "Enter hours between 0 and 24.",
             "NaN": "Enter a number.", "": "This field is required."}
    for hours, message in cases.items():
        page = client.get(_url(open_work)).text
        response = client.post(url, data={**hidden_fields(page, "csrf_token",
                                                          "idempotency_key"),
                                          "hours": hours, "worked_on": "2026-11-30",
                                          "note": "typed"})
        assert response.status_code == 422 and message in response.text, hours
        assert 'value="typed"' in response.text
    page = client.get(_url(open_work)).text
    future = (date.today() + timedelta(days=3)).isoformat()
    response = client.post(url, data={**hidden_fields(page, "csrf_token", "idempotency_key"),
                                      "hours": "1.5", "worked_on": future})
    assert "Enter the day the work was done (not a future day)." in response.text
    page = client.get(_url(open_work)).text
    assert client.post(url, data={**hidden_fields(page, "csrf_token", "idempotency_key"),
                                  "hours": "1.5", "worked_on": "2026-11-30"}
                       ).status_code == 303
    assert "1 h 30 min" in client.get(_url(open_work)).text


def test_downtime_is_logged_and_checked(app, client, people, open_work):
    _as(app, client, people["tom"])
    url = _url(open_work, "/downtime")

    def log(**fields):
        page = client.get(_url(open_work)).text
        return client.post(url, data={**hidden_fields(page, "csrf_token", "idempotency_key"),
                                      **fields})

    backwards = log(down_from="2026-11-30T10:00", down_until="2026-11-30T09:00")
    assert backwards.status_code == 422
    assert "The end must come after the start." in backwards.text
    assert "Downtime cannot start in the future." in log(down_from="2099-01-01T10:00").text
    assert log(down_from="2026-11-30T08:00", down_until="2026-11-30T09:30").status_code == 303
    assert log(down_from="2026-11-30T12:00").status_code == 303  # still down
    with app.app_context():
        asset = db.session.get(Asset, _work(app, open_work).asset_id)
        assert asset.status == "down"
    page = client.get(_url(open_work)).text
    assert "still down" in page and "logged downtime" in page


def test_photos_before_and_after_and_the_codes_of_done_work(app, client, people, open_work):
    with app.test_request_context():
        from app.maintenance import services

        codes = {kind: services.add_code(kind, name=name, by=None).id for kind, name in (
            ("failure", "Leak"), ("cause", "Worn seal"), ("remedy", "Replaced seal"))}
        db.session.commit()
    token = _as(app, client, people["tom"])
    for stage in ("before", "after"):
        page = client.get(_url(open_work)).text
        response = client.post(_url(open_work, "/photos"), data={
            **hidden_fields(page, "csrf_token", "idempotency_key"), "stage": stage,
            "photo": (io.BytesIO(image_bytes()), f"{stage}.jpg")},
            content_type="multipart/form-data")
        assert response.status_code == 303, stage
    with app.app_context():
        kinds = dict(db.session.execute(select(Attachment.entity_type, func.count()).group_by(
            Attachment.entity_type)).all())
        assert kinds == {"workorder": 1, "workorderafter": 1}
    client.post(_url(open_work, "/move"), data={"csrf_token": token, "to": "in_progress"})
    done = client.post(_url(open_work, "/move"), data={
        "csrf_token": token, "to": "done", "done-work_done": "New seal fitted",
        "done-failure": str(codes["failure"]), "done-cause": str(codes["cause"]),
        "done-remedy": str(codes["remedy"])})
    assert done.status_code == 303
    page = client.get(_url(open_work)).text
    assert "Worn seal" in page and "Replaced seal" in page and "Leak" in page


def _signature() -> str:
    return "data:image/png;base64," + base64.b64encode(image_bytes("PNG")).decode()


def test_types_that_sign_off_are_closed_with_a_signature(app, client, site, people,
                                                         open_work):
    admin = make_user(app, username="ada", roles=("admin",), sites=[site])
    token = _as(app, client, admin)
    assert client.post("/maintenance/sign-off", data={"csrf_token": token,
                                                      "kinds": "corrective"}
                       ).status_code == 303
    token = _as(app, client, people["tom"])
    client.post(_url(open_work, "/move"), data={"csrf_token": token, "to": "in_progress"})
    client.post(_url(open_work, "/move"), data={"csrf_token": token, "to": "done",
                                                "done-work_done": "Fixed"})
    token = _as(app, client, people["sam"])
    page = client.get(_url(open_work)).text
    assert "This type of work is closed with the verifier's signature." in page
    assert "Verified: close it" not in page
    plain = client.post(_url(open_work, "/move"), data={"csrf_token": token, "to": "closed"})
    assert plain.status_code == 422
    nothing = client.post(_url(open_work, "/sign-off"), data={"csrf_token": token,
                                                              "signature": ""})
    assert nothing.status_code == 422 and "Sign in the box first." in nothing.text
    signed = client.post(_url(open_work, "/sign-off"), data={"csrf_token": token,
                                                             "signature": _signature()},
                         headers={"HX-Request": "true"})
    assert signed.status_code == 204 and signed.headers["HX-Location"] == _url(open_work)
    assert _work(app, open_work).status == "closed"
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id)).filter_by(
            entity_type="workordersignoff", content_type="image/png")) == 1
    assert "Signature of who verified it" in client.get(_url(open_work)).text


def test_skills_page_and_my_work_by_skill(app, client, site, people):
    with app.test_request_context():
        from app.maintenance import services

        skill = services.add_code("skill", name="Electrical", name_zh="电工", by=None)
        db.session.commit()
        skill_id = skill.id
    records = make_work_order(app, site, people["sam"])
    token = _as(app, client, people["sue"])
    client.post(_url(records, "/plan"), data={"csrf_token": token, "kind": "corrective",
                                              "priority": "3", "skill": str(skill_id)})
    page = client.get("/maintenance/skills").text
    assert "Tom" in page and "Tia" in page and "Sam" not in page  # technicians
    saved = client.post(f"/maintenance/skills/{people['tom'].id}", data={
        "csrf_token": token, f"u{people['tom'].id}-skills": str(skill_id)})
    assert saved.status_code == 303
    _as(app, client, people["tom"])
    assert "PUMP-TST" in client.get("/maintenance/my-work").text
    _as(app, client, people["tia"])
    assert "PUMP-TST" not in client.get("/maintenance/my-work").text


def test_a_corrective_action_is_raised_from_a_work_order(app, client, people, open_work):
    _as(app, client, people["sue"])
    page = client.get(_url(open_work)).text
    assert "Corrective actions" in page and "Raise an action" in page
    form = client.get(f"/actions/new?workorder={open_work['work_order_id']}")
    assert form.status_code == 200 and _work(app, open_work).reference in form.text
