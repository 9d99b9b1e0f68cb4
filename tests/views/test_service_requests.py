"""Customers reach the same pipeline without an account: request, status link, rating."""

import re
import time
from io import BytesIO

from sqlalchemy import func, select

from app.extensions import db
from app.incidents.models import Incident, ServiceRequest
from tests.conftest import csrf_from, make_site, make_user, sign_in
from tests.helpers import hidden_fields, image_bytes, make_request


def public_form(client, site):
    page = client.get(f"/incidents/r/{site.code}?via=qr").text
    fields = hidden_fields(page, "csrf_token", "idempotency_key", "started")
    return page, fields


def wait_like_a_person(monkeypatch):
    """The form refuses answers sent faster than a person types: move the clock on."""
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 10)


def test_customer_request_status_and_rating(app, client, site, monkeypatch):
    supervisor = make_user(app, username="boss", roles=("supervisor",), sites=[site])
    page, fields = public_form(client, site)
    assert site.name in page and "no account needed" in page
    wait_like_a_person(monkeypatch)
    response = client.post(f"/incidents/r/{site.code}?via=qr", data={
        **fields, "kind": "complaint", "description": "The lift has been broken for 2 days",
        "where_text": "Tower B", "contact_phone": "13800000000",
        "photos": [(BytesIO(image_bytes()), "lift.jpg")]}, content_type="multipart/form-data")
    assert response.status_code == 303
    status_url = response.headers["Location"]
    status_page = client.get(status_url).text
    reference = re.search(r"SR-\d{4}-\d{6}", status_page).group(0)
    assert "Thank you. Your reference is" in status_page
    with app.app_context():
        request_ = db.session.scalar(select(ServiceRequest))
        assert (request_.channel, request_.kind) == ("qr", "complaint")
        request_id = request_.id

    # A supervisor is told, and handles it as an incident.
    staff = app.test_client()
    sign_in(app, staff, supervisor)
    assert "Notifications: 1 new" in staff.get("/").text
    detail = staff.get(f"/incidents/requests/{request_id}").text
    assert "13800000000" in detail and "Tower B" in detail
    converted = staff.post(f"/incidents/requests/{request_id}/convert", data={
        "csrf_token": csrf_from(detail), "type": re.search(
            r'<option value="(\d+)" selected>Customer complaint', detail).group(1),
        "severity": "medium"})
    assert converted.status_code == 303
    incident_page = staff.get(converted.headers["Location"]).text
    assert f"From customer request {reference}" in incident_page
    assert "/thumb" in incident_page  # the customer's photo is kept with the incident
    assert "Being handled" in client.get(status_url).text
    # The customer's page shows no internal notes or staff names.
    incident_id = int(converted.headers["Location"].rsplit("/", 1)[1])
    staff.post(f"/incidents/{incident_id}/comments", data={
        "csrf_token": csrf_from(incident_page), "text": "Internal: call the lift contractor"})
    staff.post(f"/incidents/{incident_id}/status", data={
        "csrf_token": csrf_from(incident_page), "to": "resolved", "note": "Motor replaced"})
    customer_view = client.get(status_url).text
    assert "Resolved" in customer_view
    for secret in ("Internal", "contractor", "Motor replaced", supervisor.name, "Boss"):
        assert secret not in customer_view
    assert "How did we do?" in customer_view

    token = csrf_from(customer_view)
    bad = client.post(status_url.split("?")[0], data={"csrf_token": token, "rating": "9"})
    assert bad.status_code == 422
    rated = client.post(status_url.split("?")[0], data={"csrf_token": token, "rating": "4",
                                                       "comment": "Quick fix, thanks"})
    assert rated.status_code == 303
    again = client.post(status_url.split("?")[0], data={"csrf_token": token, "rating": "1"})
    assert again.status_code == 422 and "You rated this service 4 of 5." in again.text
    with app.app_context():
        assert db.session.get(ServiceRequest, request_id).rating == 4


def test_robots_are_turned_away(app, client, site, monkeypatch):
    _page, fields = public_form(client, site)
    too_fast = client.post(f"/incidents/r/{site.code}", data={
        **fields, "kind": "request", "description": "Buy cheap watches"})
    assert too_fast.status_code == 422 and "wait a moment" in too_fast.text
    wait_like_a_person(monkeypatch)
    trapped = client.post(f"/incidents/r/{site.code}", data={
        **fields, "kind": "request", "description": "Buy cheap watches",
        "website": "http://spam.example"})
    assert trapped.status_code == 422
    forged = client.post(f"/incidents/r/{site.code}", data={
        **fields, "started": "forged", "kind": "request", "description": "Hello there"})
    assert forged.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(ServiceRequest.id))) == 0


def test_public_page_is_rate_limited_and_checked(app, client, site, monkeypatch):
    forms = [public_form(client, site)[1] for _ in range(6)]
    wait_like_a_person(monkeypatch)
    statuses = [client.post(f"/incidents/r/{site.code}", data={
        **fields, "kind": "request", "description": "<script>x</script> 灯坏了"}).status_code
        for fields in forms]
    assert statuses[:5] == [303] * 5 and statuses[5] == 429
    refused = client.post(f"/incidents/r/{site.code}", data={**forms[0], "kind": "request",
                                                              "description": "Again"})
    assert "Try again in 1 minute." in refused.text  # the real wait of the limit that was hit
    assert client.get("/incidents/r/NOPE").status_code == 404
    assert client.get("/incidents/r/status/not-a-token").status_code == 404


def test_staff_log_a_phone_request_and_answer_it(app, client, login_as, site):
    login_as("supervisor")
    page = client.get("/incidents/requests/new").text
    key = hidden_fields(page)["idempotency_key"]
    response = client.post("/incidents/requests/new", data={
        "csrf_token": csrf_from(page), "idempotency_key": key, "site": site.id,
        "channel": "phone", "kind": "request", "description": "Please clean the stairwell"})
    assert response.status_code == 303
    with app.app_context():
        request_ = db.session.scalar(select(ServiceRequest))
        assert request_.channel == "phone" and request_.logged_by_id is not None
    detail = client.get(f"/incidents/requests/{request_.id}").text
    empty = client.post(f"/incidents/requests/{request_.id}/answer",
                        data={"csrf_token": csrf_from(detail), "to": "resolved"})
    assert empty.status_code == 422
    done = client.post(f"/incidents/requests/{request_.id}/answer", data={
        "csrf_token": csrf_from(detail), "to": "resolved", "note": "Cleaned at 14:00"})
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(ServiceRequest, request_.id).status == "resolved"
        assert db.session.scalar(select(func.count(Incident.id))) == 0
    assert "Phone" in client.get("/incidents/requests?channel=phone").text


def test_qr_poster(client, login_as, site):
    login_as("supervisor")
    poster = client.get(f"/incidents/requests/poster/{site.id}")
    assert poster.status_code == 200 and "<svg" in poster.text
    assert f"/incidents/r/{site.code}?via=qr" in poster.text


def test_anonymous_visitors_never_share_an_idempotency_key(app, site, monkeypatch):
    first, second = app.test_client(), app.test_client()
    one, two = public_form(first, site)[1], public_form(second, site)[1]
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
    fields = public_form(client, site)[1]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 10)
    response = client.post(f"/incidents/r/{other.code}", data={
        **fields, "kind": "request", "description": "Stamp from another page"})
    assert response.status_code == 422


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
