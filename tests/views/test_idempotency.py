"""A replayed create POST returns the first answer and creates nothing (DESIGN.md)."""

import pytest
from sqlalchemy import func, select

from app.core.models import IdempotencyKey
from app.extensions import db
from app.sites.models import Site
from tests.conftest import csrf_from
from tests.helpers import hidden_fields


def sites_named(app, name):
    with app.app_context():
        return db.session.scalar(select(func.count(Site.id)).filter_by(name=name))


def test_replayed_form_post_creates_nothing(app, client, login_as):
    login_as("admin")
    page = client.get("/sites/new").text
    key = hidden_fields(page)["idempotency_key"]
    data = {"csrf_token": csrf_from(page), "idempotency_key": key, "name": "Depot",
            "code": "DEP", "timezone": "UTC"}
    first = client.post("/sites/new", data=data)
    second = client.post("/sites/new", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert sites_named(app, "Depot") == 1


def test_replay_by_header_for_htmx_and_offline_queue(app, client, login_as):
    login_as("admin")
    token = csrf_from(client.get("/sites/new").text)
    headers = {"X-CSRFToken": token, "Idempotency-Key": "queued-42"}
    data = {"name": "Depot", "code": "DEP", "timezone": "UTC"}
    assert client.post("/sites/new", headers=headers, data=data).status_code == 303
    assert client.post("/sites/new", headers=headers, data=data).status_code == 303
    assert sites_named(app, "Depot") == 1


def test_failed_attempt_is_not_remembered(app, client, login_as):
    login_as("admin")
    token = csrf_from(client.get("/sites/new").text)
    data = {"csrf_token": token, "idempotency_key": "k1", "code": "DEP", "timezone": "UTC"}
    assert client.post("/sites/new", data={**data, "name": ""}).status_code == 422
    assert client.post("/sites/new", data={**data, "name": "Depot"}).status_code == 303
    assert sites_named(app, "Depot") == 1


def test_keys_are_per_user(app, client, login_as):
    login_as("admin")
    token = csrf_from(client.get("/sites/new").text)
    client.post("/sites/new", data={"csrf_token": token, "idempotency_key": "same",
                                    "name": "A", "code": "AAA", "timezone": "UTC"})
    other = app.test_client()
    from tests.conftest import make_user, sign_in

    sign_in(app, other, make_user(app, username="admin2", roles=("admin",)))
    token2 = csrf_from(other.get("/sites/new").text)
    response = other.post("/sites/new", data={"csrf_token": token2, "idempotency_key": "same",
                                              "name": "B", "code": "BBB", "timezone": "UTC"})
    assert response.status_code == 303 and "Idempotent-Replayed" not in response.headers
    with app.app_context():
        assert db.session.scalar(select(func.count(IdempotencyKey.id))) == 2


def test_same_key_on_another_record_is_another_request(app, client, login_as, site):
    from tests.conftest import make_site

    other = make_site(app, name="Other", code="OTH")
    login_as("admin")
    token = csrf_from(client.get("/profile").text)
    for target in (site, other):
        response = client.post(f"/sites/{target.id}/areas", data={
            "csrf_token": token, "idempotency_key": "same-key", "name": "Roof"})
        assert response.headers["Location"] == f"/sites/{target.id}"
        assert "Idempotent-Replayed" not in response.headers


@pytest.mark.committed  # other connections read what it writes
def test_concurrent_duplicates_create_one_record(app, login_as, site):
    import threading

    from tests.conftest import make_user, sign_in

    user = make_user(app, username="boss", roles=("admin",))
    answers = []

    def post():
        client = app.test_client()
        sign_in(app, client, user)
        token = csrf_from(client.get("/profile").text)
        response = client.post("/sites/new", data={
            "csrf_token": token, "idempotency_key": "tap-tap", "name": "Depot", "code": "DEP",
            "timezone": "UTC"})
        answers.append((response.status_code, response.headers.get("Location")))

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sites_named(app, "Depot") == 1
    assert {status for status, _ in answers} <= {303, 409}
    assert len({location for status, location in answers if status == 303}) == 1
