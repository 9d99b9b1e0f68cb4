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
    from app.incidents import services
    from app.incidents.models import IncidentType, ServiceRequest

    request_, _token = make_request(app, site)
    request_photo = _photo_of(app, "servicerequest", request_.id, site.id)
    manager = make_user(app, username="boss", roles=("supervisor",), sites=[site])
    handler = make_user(app, username="tech", roles=("technician",), sites=[site])
    with app.app_context():
        services.convert_to_incident(
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
