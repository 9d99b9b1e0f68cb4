"""Corrective actions: raised from an incident or on their own, done, and checked."""

import re
from datetime import date, timedelta

from sqlalchemy import select

from app.actions.models import Action
from app.core.models import Notification
from app.extensions import db
from tests.conftest import csrf_from, make_user, sign_in
from tests.helpers import hidden_fields, make_action, make_incident


def form_of(client, url):
    page = client.get(url).text
    return page, hidden_fields(page, "csrf_token", "idempotency_key")


def saved(app, action_id) -> Action:
    with app.app_context():
        return db.session.get(Action, action_id)


def test_raise_from_an_incident_and_close_the_loop(app, client, login_as, site):
    owner = make_user(app, username="tech", name="Tech Zhang", roles=("technician",),
                      sites=[site])
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]))
    login_as("supervisor")
    page, hidden = form_of(client, f"/actions/new?incident={incident.id}")
    assert f"Prevent a repeat of {incident.reference}" in page
    due = (date.today() + timedelta(days=3)).isoformat()
    response = client.post(f"/actions/new?incident={incident.id}", data={
        **hidden, "title": "Replace all pump seals", "description": "Both pumps",
        "site": site.id, "owner": owner.id, "due_date": due, "priority": "2"})
    assert response.status_code == 303
    with app.app_context():
        action = db.session.scalar(select(Action))
        assert (action.source_type, action.source_id) == ("incident", incident.id)
        assert action.reference.startswith("ACT-") and action.owner_id == owner.id
        assert db.session.scalar(select(Notification.kind).filter_by(user_id=owner.id)) \
            == "action_assigned"
        action_id = action.id
    assert "Replace all pump seals" in client.get(f"/incidents/{incident.id}").text

    # The owner does it.
    owner_client = app.test_client()
    sign_in(app, owner_client, owner)
    assert "Replace all pump seals" in owner_client.get("/actions/").text  # my actions
    _page, hidden = form_of(owner_client, f"/actions/{action_id}")
    assert owner_client.post(f"/actions/{action_id}/progress",
                             data={**hidden, "to": "in_progress"}).status_code == 303
    no_note = owner_client.post(f"/actions/{action_id}/progress", data={**hidden, "to": "done"})
    assert no_note.status_code == 422 and "Say what was done." in no_note.text
    assert owner_client.post(f"/actions/{action_id}/progress", data={
        **hidden, "to": "done", "note": "Seals replaced on P1 and P2"}).status_code == 303
    assert owner_client.post(f"/actions/{action_id}/verify", data={
        **hidden, "effective": "yes"}).status_code == 403  # only a supervisor checks

    # The supervisor checks later: not effective, then effective.
    _page, hidden = form_of(client, f"/actions/{action_id}")
    no_reason = client.post(f"/actions/{action_id}/verify", data={**hidden, "effective": "no"})
    assert no_reason.status_code == 422 and "Say why it was not effective." in no_reason.text
    assert client.post(f"/actions/{action_id}/verify", data={
        **hidden, "effective": "no", "note": "P2 leaks again"}).status_code == 303
    assert saved(app, action_id).status == "open"
    assert saved(app, action_id).reopen_count == 1
    assert owner_client.post(f"/actions/{action_id}/progress", data={
        **hidden | {"csrf_token": csrf_from(owner_client.get("/profile").text)},
        "to": "done", "note": "New seal type fitted"}).status_code == 303
    assert client.post(f"/actions/{action_id}/verify", data={
        **hidden, "effective": "yes", "note": "Dry for two weeks"}).status_code == 303
    assert saved(app, action_id).status == "verified"
    page = client.get(f"/actions/{action_id}").text
    for text in ("P2 leaks again", "found it not effective", "verified it effective"):
        assert text in page


def test_actions_are_private_to_owner_unless_manager(app, client, login_as, site):
    someone = make_user(app, username="someone", roles=("inspector",), sites=[site])
    theirs = make_action(app, site, someone, title="Their action")
    me = login_as("inspector")
    mine = make_action(app, site, me, title="My action")
    listing = client.get("/actions/").text
    assert "My action" in listing and "Their action" not in listing
    assert client.get(f"/actions/{theirs.id}").status_code == 404
    assert client.get(f"/actions/{mine.id}/edit").status_code == 403
    supervisor = app.test_client()
    sign_in(app, supervisor, make_user(app, username="sup", roles=("supervisor",), sites=[site]))
    everything = supervisor.get("/actions/?scope=all").text
    assert "My action" in everything and "Their action" in everything


def test_overdue_actions_stand_out(app, client, login_as, site):
    me = login_as("technician")
    make_action(app, site, me, title="Late one", due=date.today() - timedelta(days=2))
    make_action(app, site, me, title="On time", due=date.today() + timedelta(days=2))
    page = client.get("/actions/?overdue=1").text
    assert "Late one" in page and "On time" not in page and "Overdue" in page


def test_raise_action_without_source_and_bad_input(app, client, login_as, site):
    login_as("supervisor")
    page, hidden = form_of(client, "/actions/new")
    bad = client.post("/actions/new", data={**hidden, "title": "", "site": site.id,
                                            "owner": "999", "due_date": "next week"})
    assert bad.status_code == 422 and bad.text.count('class="error"') >= 3
    assert client.get("/actions/new", headers={}).status_code == 200


def test_edit_action_and_owner_is_told(app, client, login_as, site):
    first = make_user(app, username="first", sites=[site])
    second = make_user(app, username="second", sites=[site])
    action = make_action(app, site, first)
    login_as("supervisor")
    _page, hidden = form_of(client, f"/actions/{action.id}/edit")
    response = client.post(f"/actions/{action.id}/edit", data={
        **hidden, "title": "Fit a bigger drip tray", "owner": second.id,
        "due_date": date.today().isoformat(), "priority": "1"})
    assert response.status_code == 303
    assert saved(app, action.id).owner_id == second.id
    with app.app_context():
        assert db.session.scalar(select(Notification.kind).filter_by(user_id=second.id)) \
            == "action_assigned"


def test_notifications_bell_open_and_read(app, client, login_as, site):
    me = login_as("technician")
    make_action(app, site, me, by=make_user(app, username="sup", roles=("supervisor",),
                                            sites=[site]), title="Check the boiler")
    assert "Notifications: 1 new" in client.get("/").text
    count = client.get("/notifications/count", headers={"HX-Request": "true"})
    assert 'class="count"' in count.text and "<html" not in count.text
    page = client.get("/notifications").text
    assert "is yours: Check the boiler" in page
    notification_id = re.search(r"/notifications/(\d+)/open", page).group(1)
    token = csrf_from(page)
    opened = client.post(f"/notifications/{notification_id}/open", data={"csrf_token": token})
    assert opened.status_code == 303 and opened.headers["Location"].startswith("/actions/")
    assert "Notifications: 0 new" in client.get("/").text
    other = make_user(app, username="other", sites=[site])
    with app.app_context():
        from app.core import notifications

        notifications.notify([db.session.get(type(other), other.id)], "action_assigned",
                             reference="ACT-1", title="x")
        db.session.commit()
        foreign = db.session.scalar(select(Notification.id).filter_by(user_id=other.id))
    assert client.post(f"/notifications/{foreign}/open",
                       data={"csrf_token": token}).status_code == 404


def test_notifications_also_by_email_when_configured(app, client, site, monkeypatch):
    import smtplib

    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def login(self, user, password):
            pass

        def send_message(self, message):
            sent.append((message["To"], message["Subject"], message.get_content()))

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example.test", MAIL_BACKGROUND=False,
                      BASE_URL="https://ops.example.org")
    owner = make_user(app, username="mei", email="mei@example.com", language="zh_Hans",
                      sites=[site])
    supervisor = make_user(app, username="sup", roles=("supervisor",), sites=[site])
    sign_in(app, client, supervisor)
    page, hidden = form_of(client, "/actions/new")
    client.post("/actions/new", data={**hidden, "title": "Fix the gate", "site": site.id,
                                      "owner": owner.id, "due_date": date.today().isoformat(),
                                      "priority": "3"})
    to, subject, body = sent[1]
    assert to == "mei@example.com" and "措施" in subject  # in the reader's language
    assert "https://ops.example.org/actions/" in body


def test_no_email_without_settings_and_none_for_failed_requests(app, client, site,
                                                                monkeypatch):
    import smtplib

    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    owner = make_user(app, username="mei", email="mei@example.com", sites=[site])
    make_action(app, site, owner, by=make_user(app, username="sup", roles=("supervisor",),
                                               sites=[site]))  # no MAIL_SERVER: no mail


def test_supervisor_filters_by_owner_and_source(app, client, login_as, site):
    first = make_user(app, username="first", name="First Owner", sites=[site])
    second = make_user(app, username="second", name="Second Owner", sites=[site])
    make_action(app, site, first, title="Action of first")
    make_action(app, site, second, title="Action of second")
    login_as("supervisor")
    page = client.get(f"/actions/?scope=all&owner={first.id}").text
    assert "Action of first" in page and "Action of second" not in page
    assert "Second Owner" in page  # offered in the owner menu
    assert "Action of second" not in client.get("/actions/?scope=all&source=incident").text
