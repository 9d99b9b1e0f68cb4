"""Defects found by the security and reliability probe (issue "Field-ready core"), each
reproduced here first."""

from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select

from app.core import attachments
from app.core.models import Attachment
from app.core.permissions import ROLES
from app.extensions import db
from tests.conftest import csrf_from, make_user, sign_in
from tests.helpers import Upload, first_location, image_bytes, make_incident, make_request


def test_the_suite_has_a_per_test_timeout(pytestconfig):
    """A deadlock must fail with a traceback, not hold the run (pyproject.toml)."""
    assert float(pytestconfig.getini("timeout")) > 0


# --- 5. NUL in a path or query parameter: 404 / ignored on every database, never a 500 -------

def test_nul_and_control_characters_in_paths_are_not_found(app, client, login_as, site):
    login_as("supervisor")
    string_routes = [rule for rule in app.url_map.iter_rules()
                     if rule.endpoint != "static" and any(
                         type(conv).__name__ == "PathText" for conv in rule._converters.values())]
    assert string_routes, "the public request pages take text in their path"
    for rule in string_routes:
        prefix = rule.rule.split("<")[0]
        for value in ("%00", "a%00b", "TST%0D%0A", "%1F"):
            response = client.get(prefix + value)
            assert response.status_code == 404, (prefix + value, response.status_code)
    anonymous = app.test_client()
    assert anonymous.get("/incidents/r/%00").status_code == 404
    assert anonymous.post("/incidents/r/status/%00").status_code == 404


# --- 6. Control characters in an uploaded file's name ------------------------------------------

def _multipart_with_raw_filename(token: str, content: bytes) -> tuple[bytes, str]:
    """A body as a client may send it: the name in RFC 5987 form, with CR/LF encoded."""
    boundary = "fieldbookboundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
        "filename=\"a.pdf\"; filename*=UTF-8''a%0D%0AX-Injected%3A%201.pdf\r\n"
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_control_characters_are_stripped_from_stored_file_names(app, client, login_as):
    login_as("admin")
    token = csrf_from(client.get("/incidents/types/1/edit").text)
    body, content_type = _multipart_with_raw_filename(token, b"%PDF-1.4\n%%EOF\n")
    response = client.post("/incidents/types/1/files", data=body, content_type=content_type)
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.scalar(select(Attachment))
        assert "\r" not in stored.original_name and "\n" not in stored.original_name
        assert stored.original_name == "aX-Injected: 1.pdf"
        public_id = stored.public_id
    download = client.get(f"/attachments/{public_id}")
    assert download.status_code == 200
    assert "X-Injected" not in download.headers
    assert "\n" not in download.headers["Content-Disposition"]


def test_a_name_stored_before_the_fix_still_downloads(app, client, login_as):
    login_as("admin")
    with app.app_context():
        found = attachments.save_document(Upload(b"%PDF-1.4\n", "x.pdf"),
                                          entity_type="incidenttype", entity_id=1, site_id=None,
                                          by=None)
        found.original_name = "old\r\nSet-Cookie: x=1.pdf"
        db.session.commit()
        public_id = found.public_id
    download = client.get(f"/attachments/{public_id}")
    assert download.status_code == 200 and "Set-Cookie" not in download.headers


# --- 7. A JPEG comment segment does not survive re-encoding ------------------------------------

def test_jpeg_comment_is_stripped_from_photo_and_thumbnail(app, client, login_as, site):
    login_as("supervisor")
    out = BytesIO()
    Image.new("RGB", (600, 400), (10, 120, 200)).save(out, "JPEG", comment=b"secret-serial-42")
    assert b"secret-serial-42" in out.getvalue()
    with app.app_context():
        photo = attachments.save_image(Upload(out.getvalue()), entity_type="location",
                                       entity_id=first_location(app, site).id,
                                       site_id=site.id, by=None)
        db.session.commit()
        public_id = photo.public_id
    for suffix in ("", "/thumb"):
        served = client.get(f"/attachments/{public_id}{suffix}")
        assert served.status_code == 200
        assert b"secret-serial-42" not in served.data
        assert "comment" not in Image.open(BytesIO(served.data)).info


# --- 3. A file is served under the rule of its record, not only its site ----------------------

def _photo_of(app, entity_type: str, entity_id: int, site_id: int) -> str:
    with app.app_context():
        photo = attachments.save_image(Upload(image_bytes()), entity_type=entity_type,
                                       entity_id=entity_id, site_id=site_id, by=None)
        db.session.commit()
        return str(photo.public_id)


@pytest.mark.parametrize("role", ROLES)
def test_incident_and_request_photos_follow_their_records_rules(app, client, site, role):
    reporter = make_user(app, username="reporter", roles=("staff",), sites=[site])
    incident = make_incident(app, site, reporter)
    incident_photo = _photo_of(app, "incident", incident.id, site.id)
    request_, _token = make_request(app, site)
    request_photo = _photo_of(app, "servicerequest", request_.id, site.id)
    sign_in(app, client, make_user(app, username="viewer", roles=(role,), sites=[site]))

    record = client.get(f"/incidents/{incident.id}").status_code
    for suffix in ("", "/thumb"):
        assert client.get(f"/attachments/{incident_photo}{suffix}").status_code == (
            200 if record == 200 else 404), role
    assert record == (404 if role == "staff" else 200)

    request_page = client.get(f"/incidents/requests/{request_.id}").status_code
    for suffix in ("", "/thumb"):
        assert client.get(f"/attachments/{request_photo}{suffix}").status_code == (
            200 if request_page == 200 else 404), role
    assert request_page == (200 if role in ("admin", "supervisor") else 403)


def test_whoever_handles_the_incident_of_a_request_sees_its_photos(app, client, site):
    from app.auth.models import User
    from app.incidents import customer_requests
    from app.incidents.models import IncidentType, ServiceRequest

    request_, _token = make_request(app, site)
    request_photo = _photo_of(app, "servicerequest", request_.id, site.id)
    manager = make_user(app, username="boss", roles=("supervisor",), sites=[site])
    handler = make_user(app, username="tech", roles=("technician",), sites=[site])
    with app.app_context():
        customer_requests.convert_to_incident(
            db.session.get(ServiceRequest, request_.id),
            incident_type=db.session.scalar(select(IncidentType).limit(1)),
            severity="low", by=db.session.get(User, manager.id))
        db.session.commit()
    sign_in(app, client, handler)
    assert client.get(f"/attachments/{request_photo}").status_code == 200


def test_a_record_kind_without_a_rule_is_served_to_nobody(app, client, login_as, site):
    login_as("admin")
    orphan = _photo_of(app, "nokind", 1, site.id)
    assert client.get(f"/attachments/{orphan}").status_code == 404


# --- 2. Idempotency for visitors without an account -------------------------------------------

def _public_form(client, site) -> dict:
    from tests.views.test_service_requests import public_form

    return public_form(client, site)[1]


def _requests_count(app) -> int:
    from sqlalchemy import func

    from app.incidents.models import ServiceRequest

    with app.app_context():
        return db.session.scalar(select(func.count(ServiceRequest.id)))


def test_a_visitor_retry_after_a_lost_answer_creates_nothing(app, client, site, monkeypatch):
    from tests.views.test_service_requests import wait_like_a_person

    fields = _public_form(client, site)
    before_post = client.get_cookie("session").value  # what the phone holds when it sends
    wait_like_a_person(monkeypatch)
    data = {**fields, "kind": "request", "description": "The tap drips"}
    first = client.post(f"/incidents/r/{site.code}", data=data)
    assert first.status_code == 303
    client.set_cookie("session", before_post)  # the answer, and its cookie, never arrived
    retry = client.post(f"/incidents/r/{site.code}", data=data)
    assert retry.status_code == 303 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Location"] == first.headers["Location"]
    assert _requests_count(app) == 1


@pytest.mark.committed  # other connections read what it writes
def test_simultaneous_visitor_posts_with_one_key_create_one_request(app, client, site,
                                                                    monkeypatch):
    import threading

    from tests.views.test_service_requests import wait_like_a_person

    fields = _public_form(client, site)
    cookie = client.get_cookie("session").value
    wait_like_a_person(monkeypatch)
    answers = []
    barrier = threading.Barrier(3)

    def post():
        same_browser = app.test_client()
        same_browser.set_cookie("session", cookie)
        barrier.wait()
        response = same_browser.post(
            f"/incidents/r/{site.code}", data={**fields, "kind": "request",
                                                "description": "The lift is stuck"},
            headers={"Idempotency-Key": "phone-retry-1"})
        answers.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _requests_count(app) == 1
    assert sorted(answers)[0] == 303 and set(answers) <= {303, 409}


def test_two_visitors_with_the_same_key_are_two_requests(app, site, monkeypatch):
    from tests.views.test_service_requests import wait_like_a_person

    first, second = app.test_client(), app.test_client()
    first_fields, second_fields = _public_form(first, site), _public_form(second, site)
    wait_like_a_person(monkeypatch)
    for browser, fields in ((first, first_fields), (second, second_fields)):
        response = browser.post(f"/incidents/r/{site.code}", data={
            **fields, "idempotency_key": "same", "kind": "request", "description": "Dripping"})
        assert response.status_code == 303 and "Idempotent-Replayed" not in response.headers
    assert _requests_count(app) == 2


# --- 1. The work of one request is bounded; no file outlives a failed request ----------------

def _huge_blank_png() -> bytes:
    out = BytesIO()
    Image.new("RGBA", (6300, 6300)).save(out, "PNG")  # ~154 KB that decode to 40 megapixels
    return out.getvalue()


def _report(client, app, site, photos):
    from tests.views.test_incidents import report_form, type_id

    _page, hidden = report_form(client)
    return client.post("/incidents/report", data={
        **hidden, "type": type_id(app, "hygiene"), "severity": "low", "site": site.id,
        "occurred_at": "2026-11-22T09:15", "description": "Oil on the floor",
        "photos": photos}, content_type="multipart/form-data")


def _files_in(app) -> set:
    with app.app_context():
        return set(attachments.upload_dir().iterdir())


def test_twelve_huge_photos_are_refused_before_any_is_decoded(app, client, login_as, site,
                                                              monkeypatch):
    from app.core.attachments import prepare
    from app.incidents.models import Incident

    decoded = []
    real = prepare.prepare_photo
    monkeypatch.setattr(prepare, "prepare_photo", lambda data: decoded.append(1) or real(data))
    login_as("staff")
    before = _files_in(app)
    blank = _huge_blank_png()
    response = _report(client, app, site, [(BytesIO(blank), f"p{n}.png") for n in range(12)])
    assert response.status_code == 422
    assert "Send at most 10 photos at a time." in response.text
    assert "Oil on the floor" in response.text  # what was typed is kept
    assert decoded == []
    two = _report(client, app, site, [(BytesIO(blank), "a.png"), (BytesIO(blank), "b.png")])
    assert two.status_code == 422 and "too large to send together" in two.text
    assert decoded == []
    assert _files_in(app) == before
    with app.app_context():
        assert db.session.scalar(select(Incident)) is None


@pytest.mark.committed  # other connections read what it writes
def test_photos_are_decoded_while_no_write_lock_is_held(app, client, login_as, site,
                                                        monkeypatch):
    """On every database the decoding runs in a phase whose transaction begins as a reader;
    on SQLite (where a writer locks the whole file) another writer can start meanwhile."""
    import sqlite3

    from app.core import db as core_db
    from app.core.attachments import prepare

    sqlite_path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") \
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") else None
    seen = []
    real = prepare.prepare_photo

    def another_writer_can_start() -> bool:
        other = sqlite3.connect(sqlite_path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if the request holds the lock
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()

    def decode_and_check(data):
        seen.append(("begins as writer", core_db._is_write()))
        if sqlite_path:
            seen.append(("another writer can start", another_writer_can_start()))
        return real(data)

    monkeypatch.setattr(prepare, "prepare_photo", decode_and_check)
    login_as("staff")
    response = _report(client, app, site, [(BytesIO(image_bytes()), "a.jpg")])
    assert response.status_code == 303
    assert ("begins as writer", False) in seen
    assert all(ok for what, ok in seen if what == "another writer can start")


def test_purge_sweeps_partial_and_orphaned_files(app, site):
    import os
    import time
    import uuid

    from tests.helpers import add_photo

    public_id = add_photo(app, first_location(app, site))
    with app.app_context():
        folder = attachments.upload_dir()
        kept = {path.name for path in folder.iterdir()}
        assert len(kept) == 2 and not any(name.endswith(".part") for name in kept)
        stored = db.session.scalar(select(Attachment).where(
            Attachment.public_id == uuid.UUID(public_id)))
        assert {stored.stored_name, stored.thumb_name} == kept
    old = time.time() - 7200
    for name in ("killed.jpg.part", "orphan.jpg"):
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (old, old))
    for name in kept:
        os.utime(folder / name, (old, old))
    (folder / "running.jpg.part").write_bytes(b"x")  # a request still under way
    result = app.test_cli_runner().invoke(args=["purge"])
    assert "2 files without a record" in result.output
    assert {path.name for path in folder.iterdir()} == kept | {"running.jpg.part"}


# --- 4. Sign-in limits per account, across workers; successes never count ---------------------

def _sign_in(client, login, password, address="10.0.0.1"):
    page = client.get("/login", environ_base={"REMOTE_ADDR": address}).text
    return client.post("/login", data={"csrf_token": csrf_from(page), "login": login,
                                       "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_guesses_from_many_addresses_lock_the_account(app, site):
    from tests.conftest import PASSWORD

    make_user(app, username="ana", roles=("staff",), sites=[site], email="ana@example.com")
    statuses = []
    for guess in range(12):  # twelve guesses, each from its own address and browser
        browser = app.test_client()
        login = "ana" if guess % 2 else "ANA@example.com"  # the same account either way
        statuses.append(_sign_in(browser, login, f"guess-{guess}",
                                 address=f"10.0.{guess}.1").status_code)
    assert statuses == [422] * 10 + [429] * 2
    refused = _sign_in(app.test_client(), "ana", PASSWORD, address="10.9.9.9")
    assert refused.status_code == 429  # even the right password waits: the account is locked
    assert "Too many failed attempts. Try again in 15 minutes." in refused.text
    someone_else = make_user(app, username="ben", roles=("staff",), sites=[site])
    assert _sign_in(app.test_client(), someone_else.username, PASSWORD,
                    address="10.9.9.9").status_code == 303


@pytest.mark.committed  # other connections read what it writes
def test_the_count_holds_across_workers(app, site, database_url, tmp_path):
    """Two app instances (two workers) share the count: it is in the database."""
    from app import create_app
    from tests.conftest import _config

    make_user(app, username="ana", roles=("staff",), sites=[site])
    other_worker = create_app(_config(database_url, tmp_path / "uploads"))
    statuses = []
    for guess in range(12):
        worker = app if guess % 2 else other_worker
        statuses.append(_sign_in(worker.test_client(), "ana", f"guess-{guess}",
                                 address=f"10.1.{guess}.1").status_code)
    assert statuses.count(422) == 10 and statuses[-2:] == [429, 429]


def test_a_crew_behind_one_address_can_sign_in_all_day(app, site):
    from tests.conftest import PASSWORD

    crew = [make_user(app, username=f"crew{n}", roles=("staff",), sites=[site])
            for n in range(60)]
    for member in crew:
        assert _sign_in(app.test_client(), member.username, PASSWORD,
                        address="10.2.0.1").status_code == 303


def test_the_hourly_address_limit_says_the_real_wait(app, site):
    from datetime import timedelta

    from app.core.models import Attempt, utcnow
    from tests.conftest import PASSWORD

    make_user(app, username="ana", roles=("staff",), sites=[site])
    with app.app_context():  # 50 failures from one address over the last 50 minutes
        db.session.add_all(Attempt(scope="signin-address", key="10.3.0.1",
                                   at=utcnow() - timedelta(minutes=50 - n))
                           for n in range(50))
        db.session.commit()
    refused = _sign_in(app.test_client(), "ana", PASSWORD, address="10.3.0.1")
    assert refused.status_code == 429
    assert "Try again in 10 minutes." in refused.text


def test_wrong_current_passwords_lock_the_password_change(app, client, site):
    from tests.conftest import PASSWORD

    user = make_user(app, username="ana", roles=("staff",), sites=[site])
    sign_in(app, client, user)
    statuses = []
    for guess in range(11):
        token = csrf_from(client.get("/profile").text)
        statuses.append(client.post("/profile/password", data={
            "csrf_token": token, "current_password": f"guess-{guess}",
            "new_password": "a-new-long-password", "confirm": "a-new-long-password"}).status_code)
    assert statuses == [422] * 10 + [429]
    token = csrf_from(client.get("/profile").text)
    right = client.post("/profile/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "a-new-long-password", "confirm": "a-new-long-password"})
    assert right.status_code == 429 and "Try again in 15 minutes." in right.text
