"""Sign-in, sessions that end on the server, throttling, profile, passwords."""

from sqlalchemy import func, select

from app.auth.models import LoginSession, User
from app.extensions import db
from tests.conftest import PASSWORD, csrf_from, make_user


def sign_in_form(client, login, password, remember=False, next_url=None):
    page = client.get("/login")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "login": login,
            "password": password}
    if remember:
        data["remember"] = "y"
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data=data)


def sessions_of(app, username) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LoginSession.id)).join(User)
                                 .where(User.username == username))


def test_sign_in_and_land_on_home(app, client, site):
    make_user(app, username="ana", roles=("inspector",), sites=[site])
    response = sign_in_form(client, "ANA", PASSWORD)  # usernames are not case-sensitive
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "Hello, Ana" in client.get("/").get_data(as_text=True)


def test_sign_in_by_email(app, client, site):
    make_user(app, username="bo", email="bo@example.com", roles=("staff",), sites=[site])
    assert sign_in_form(client, "Bo@Example.com", PASSWORD).status_code == 303


def test_wrong_password_keeps_the_username_and_says_why(app, client, site):
    make_user(app, username="ana", roles=("staff",), sites=[site])
    response = sign_in_form(client, "ana", "wrong-password")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Wrong username or password." in html
    assert 'value="ana"' in html
    assert 'value="wrong-password"' not in html  # a password is never echoed back


def test_inactive_user_cannot_sign_in(app, client, site):
    make_user(app, username="gone", roles=("staff",), sites=[site], )
    with app.app_context():
        db.session.scalar(select(User).filter_by(username="gone")).active = False
        db.session.commit()
    assert sign_in_form(client, "gone", PASSWORD).status_code == 422


def test_next_goes_back_but_never_off_site(app, client, site):
    make_user(app, username="ana", roles=("staff",), sites=[site])
    assert sign_in_form(client, "ana", PASSWORD, next_url="/sites/").headers["Location"] \
        == "/sites/"
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/profile").text)})
    response = sign_in_form(client, "ana", PASSWORD, next_url="//evil.example.com/")
    assert response.headers["Location"] == "/"


def test_signed_out_visitor_is_sent_to_sign_in_with_next(client):
    response = client.get("/sites/locations?q=kitchen")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    assert "locations" in response.headers["Location"]


def test_expired_session_on_htmx_request_redirects_the_whole_page(client):
    response = client.get("/sites/locations", headers={
        "HX-Request": "true", "HX-Target": "location_results",
        "HX-Current-URL": "http://localhost/sites/locations?q=a"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")
    assert response.get_data() == b""


def test_sign_in_is_throttled_with_a_clear_message(app, client, site):
    app.config["SIGNIN_RATE_LIMIT"] = "3 per minute"
    make_user(app, username="ana", roles=("staff",), sites=[site])
    statuses = [sign_in_form(client, "ana", "nope-nope-nope").status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    response = sign_in_form(client, "ana", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts. Try again in 1 minute." in response.get_data(as_text=True)


def test_sign_out_ends_the_session_on_the_server(app, client, site):
    make_user(app, username="ana", roles=("staff",), sites=[site])
    sign_in_form(client, "ana", PASSWORD, remember=True)
    stolen_cookies = {c.key: c.value for c in client._cookies.values()}
    assert "remember_token" in stolen_cookies
    response = client.post("/logout", data={"csrf_token": csrf_from(client.get("/profile").text)})
    assert response.status_code == 303
    assert sessions_of(app, "ana") == 0
    # A replayed cookie (session and remember-me) no longer signs anyone in.
    replay = app.test_client()
    for key, value in stolen_cookies.items():
        replay.set_cookie(key, value)
    assert replay.get("/").status_code == 303


def test_new_session_at_sign_in(app, client, site):
    make_user(app, username="ana", roles=("staff",), sites=[site])
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in_form(client, "ana", PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_keep_me_signed_in_sets_a_lasting_cookie(app, client, site):
    make_user(app, username="ana", roles=("staff",), sites=[site])
    response = sign_in_form(client, "ana", PASSWORD, remember=True)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember"))
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_change_signs_out_other_devices(app, client, site):
    make_user(app, username="ana", roles=("staff",), sites=[site])
    other_device = app.test_client()
    sign_in_form(other_device, "ana", PASSWORD)
    sign_in_form(client, "ana", PASSWORD)
    token = csrf_from(client.get("/profile").text)
    response = client.post("/profile/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "river-stone-lantern", "confirm": "river-stone-lantern"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200  # this device stays signed in
    assert other_device.get("/").status_code == 303  # the other one is out
    assert sign_in_form(app.test_client(), "ana", "river-stone-lantern").status_code == 303


def test_password_rules(app, client, site, login_as):
    login_as("staff", username="ana")
    token = csrf_from(client.get("/profile").text)

    def change(new, confirm=None, current=PASSWORD):
        return client.post("/profile/password", data={
            "csrf_token": token, "current_password": current, "new_password": new,
            "confirm": new if confirm is None else confirm})

    assert "at least 8" in change("short").text
    assert "too common" in change("password123").text
    assert "must not contain the username" in change("ana-is-great-2026").text
    assert "differ" in change("river-stone-lantern", "something-else").text
    assert "not right" in change("river-stone-lantern", current="bad-guess-123").text
    assert change("river-stone-lantern").status_code == 303


def test_profile_edit_and_language(app, client, login_as):
    login_as("inspector", username="ana")
    token = csrf_from(client.get("/profile").text)
    response = client.post("/profile", data={"csrf_token": token, "name": "安娜 Ana",
                                             "email": "ana@example.com", "language": "zh_Hans"})
    assert response.status_code == 303
    html = client.get("/profile").get_data(as_text=True)
    assert "安娜 Ana" in html and 'lang="zh-Hans"' in html


def test_profile_bad_input_is_kept_and_explained(app, client, login_as):
    login_as("inspector", username="ana")
    token = csrf_from(client.get("/profile").text)
    response = client.post("/profile", data={"csrf_token": token, "name": "x" * 101,
                                             "email": "<script>alert(1)</script>",
                                             "language": "klingon"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at most 100 characters" in html
    assert "valid e-mail" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "x" * 101 in html


def test_language_switch_before_sign_in(client):
    token = csrf_from(client.get("/login").text)
    response = client.post("/language?next=/login", data={"csrf_token": token,
                                                         "language": "zh_Hans"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_accept_language_chooses_chinese(client):
    html = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert 'lang="zh-Hans"' in html and "登录" in html
    assert 'lang="en"' in client.get("/login", headers={"Accept-Language": "fr"}).text


def test_expired_sessions_do_not_sign_in_and_are_cleared(app, client, site):
    from datetime import timedelta

    from app.core.models import utcnow

    make_user(app, username="ana", roles=("staff",), sites=[site])
    sign_in_form(client, "ana", PASSWORD)
    with app.app_context():
        for row in db.session.scalars(select(LoginSession)):
            row.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get("/").status_code == 303
    sign_in_form(app.test_client(), "ana", PASSWORD)
    assert sessions_of(app, "ana") == 1  # the expired one is gone


def test_a_change_to_oneself_is_audited_as_a_user(app, client, site):
    """current_user is a proxy: the audit row must still name the record kind "user"."""
    from app.core.models import AuditEvent

    user = make_user(app, username="ana", roles=("staff",), sites=[site])
    sign_in_form(client, "ana", PASSWORD)
    response = client.post("/profile/password", data={
        "csrf_token": csrf_from(client.get("/profile").text), "current_password": PASSWORD,
        "new_password": "river-stone-lantern", "confirm": "river-stone-lantern"})
    assert response.status_code == 303
    with app.app_context():
        kinds = set(db.session.scalars(select(AuditEvent.entity_type)))
        assert "localproxy" not in kinds
        mine = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity_type == "user", AuditEvent.entity_id == user.id)).all()
        assert "sign_in" in mine and len(mine) >= 2, mine
