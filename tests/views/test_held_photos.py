"""Photos survive a refused form: kept on the server, shown again, taken by the record."""

import re
from io import BytesIO

from sqlalchemy import func, select

from app.core.models import Attachment
from app.extensions import db
from app.incidents.models import Incident, ServiceRequest
from tests.conftest import make_user, sign_in
from tests.helpers import image_bytes
from tests.views.test_incidents import report_form, type_id

HELD = re.compile(r'name="keep_photo" value="([0-9a-f-]{36})" checked')


def _report(client, app, site, hidden, description, photos=(), keep=()):
    return client.post("/incidents/report", data={
        **hidden, "type": type_id(app, "hygiene"), "severity": "low", "site": site.id,
        "occurred_at": "2026-11-22T09:15", "description": description, "keep_photo": list(keep),
        "photos": [(BytesIO(image_bytes(color=c)), f"{n}.jpg") for n, c in enumerate(photos)]},
        content_type="multipart/form-data")


def _attachments(app, **where) -> list[Attachment]:
    with app.app_context():
        return db.session.scalars(select(Attachment).filter_by(**where)).all()


def test_a_refused_report_keeps_its_photos_for_the_next_try(app, client, login_as, site):
    login_as("staff")
    _page, hidden = report_form(client)
    refused = _report(client, app, site, hidden, "", photos=[(200, 0, 0), (0, 200, 0)])
    assert refused.status_code == 422
    assert "Photos already sent with this form" in refused.text
    held = HELD.findall(refused.text)
    assert len(held) == 2
    for public_id in held:  # the thumbnails shown are served to whoever sent them
        assert client.get(f"/attachments/{public_id}/thumb").status_code == 200
    assert len(_attachments(app, entity_type="pending")) == 2

    again = _report(client, app, site, hidden, "", keep=held)  # still refused: still there
    assert again.status_code == 422 and len(HELD.findall(again.text)) == 2

    # Sent again with one box unticked and a new photo: the record takes two.
    sent = _report(client, app, site, hidden, "Oil by the door", photos=[(0, 0, 200)],
                   keep=held[:1])
    assert sent.status_code == 303
    with app.app_context():
        incident = db.session.scalar(select(Incident))
        taken = db.session.scalars(select(Attachment).filter_by(
            entity_type="incident", entity_id=incident.id)).all()
        assert len(taken) == 2 and str(held[0]) in {str(a.public_id) for a in taken}
        assert all(a.site_id == site.id and a.pending_key is None for a in taken)
    assert len(_attachments(app, entity_type="pending")) == 1  # the unticked one, for purge


def test_held_photos_are_only_for_whoever_sent_them(app, client, login_as, site):
    login_as("staff")
    _page, hidden = report_form(client)
    held = HELD.findall(_report(client, app, site, hidden, "", photos=[(1, 2, 3)]).text)
    colleague = app.test_client()
    sign_in(app, colleague, make_user(app, username="boss", roles=("admin",)))
    assert colleague.get(f"/attachments/{held[0]}").status_code == 404
    # The same form key from another account finds nothing held.
    refused = _report(colleague, app, site, hidden, "")
    assert HELD.findall(refused.text) == []


def test_a_refused_customer_request_keeps_its_photos(app, client, site, monkeypatch):
    from tests.views.test_service_requests import public_form, wait_like_a_person

    fields = public_form(client, site)[1]
    wait_like_a_person(monkeypatch)
    refused = client.post(f"/incidents/r/{site.code}", data={
        **fields, "kind": "request", "description": "",
        "photos": [(BytesIO(image_bytes()), "tap.jpg")]}, content_type="multipart/form-data")
    assert refused.status_code == 422
    held = HELD.findall(refused.text)
    assert len(held) == 1 and client.get(f"/attachments/{held[0]}/thumb").status_code == 200
    assert app.test_client().get(f"/attachments/{held[0]}/thumb").status_code == 303  # others
    sent = client.post(f"/incidents/r/{site.code}", data={
        **fields, "kind": "request", "description": "The tap drips", "keep_photo": held})
    assert sent.status_code == 303
    with app.app_context():
        request_ = db.session.scalar(select(ServiceRequest))
        assert db.session.scalar(select(func.count(Attachment.id)).filter_by(
            entity_type="servicerequest", entity_id=request_.id)) == 1


def test_purge_removes_pending_photos_nobody_came_back_for(app, client, login_as, site):
    import os
    import time
    from datetime import timedelta

    from app.core.attachments import upload_dir
    from app.core.models import utcnow

    login_as("staff")
    _page, hidden = report_form(client)
    _report(client, app, site, hidden, "", photos=[(9, 9, 9)])
    with app.app_context():
        for photo in db.session.scalars(select(Attachment)):
            photo.created_at = utcnow() - timedelta(days=2)
        db.session.commit()
        folder = upload_dir()
    old = time.time() - 3 * 86400
    for path in folder.iterdir():
        os.utime(path, (old, old))
    result = app.test_cli_runner().invoke(args=["purge"])
    assert "2 files without a record" in result.output
    assert _attachments(app) == [] and list(folder.iterdir()) == []
