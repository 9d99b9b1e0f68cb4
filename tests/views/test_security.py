"""Headers, CSRF (forms and htmx), errors that never leak, logs that cannot be forged."""

import logging

import pytest

from tests.conftest import csrf_from


def test_security_headers_on_every_response(client, login_as):
    login_as("staff")
    for url in ("/login", "/", "/sites/", "/no-such-page", "/static/css/app.css"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        script_src = next(part for part in csp.split("; ") if part.startswith("script-src"))
        assert script_src == "script-src 'self'", url
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


def test_htmx_is_configured_for_the_csp(client):
    html = client.get("/login").get_data(as_text=True)
    assert '"allowEval":false' in html and '"includeIndicatorStyles":false' in html
    assert '"historyRestoreAsHxRequest":false' in html
    assert '{"code":"422","swap":true}' in html
    assert "<script>" not in html and " style=" not in html and "hx-on" not in html


def test_session_cookie_flags(app, client, site):
    from tests.conftest import PASSWORD, make_user

    make_user(app, username="ana", roles=("staff",), sites=[site])
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "login": "ana",
                                           "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_post_without_csrf_is_refused_with_a_message(client, login_as):
    login_as("admin")
    response = client.post("/sites/new", data={"name": "X", "code": "X", "timezone": "UTC"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_htmx_post_with_csrf_header_is_accepted(client, login_as):
    login_as("admin")
    token = csrf_from(client.get("/sites/new").text)
    response = client.post("/sites/new", headers={"X-CSRFToken": token, "HX-Request": "true",
                                                  "HX-Boosted": "true"},
                           data={"name": "Depot", "code": "DEP", "timezone": "UTC"})
    assert response.status_code == 303


def test_csrf_failure_on_a_fragment_request_shows_a_message_in_flash(client, login_as):
    login_as("admin")
    response = client.post("/sites/new", headers={"HX-Request": "true", "HX-Target": "x"},
                           data={"name": "Depot"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#flash"
    assert "expired" in response.get_data(as_text=True)


def test_error_pages_are_friendly_and_localized(client, login_as):
    login_as("staff", language="zh_Hans")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert 'lang="zh-Hans"' in response.text and "Traceback" not in response.text
    assert client.get("/admin/users").status_code == 403


@pytest.mark.fresh_app
def test_unexpected_error_gives_500_page_not_a_traceback(app, client, login_as):
    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    boom.permission = None
    login_as("staff")
    response = client.get("/boom")
    assert response.status_code == 500
    assert "kaboom" not in response.text and "Something went wrong" in response.text


def test_refusals_are_logged_without_forgeable_lines(app, client, caplog, site):
    caplog.set_level(logging.WARNING)
    token = csrf_from(client.get("/login").text)
    client.post("/login", data={"csrf_token": token, "login": "eve\nFAKE entry",
                                "password": "whatever-1"})
    line = next(r.getMessage() for r in caplog.records if "sign-in failed" in r.getMessage())
    assert "\n" not in line and "eve\\nFAKE entry" in line


def test_a_get_never_changes_data(client, login_as):
    login_as("staff")
    assert client.get("/logout").status_code == 405
    assert client.get("/language?language=en").status_code == 405


def test_no_debug_mode(app):
    assert app.debug is False


def test_next_never_leaves_the_site(app, client, site):
    from tests.conftest import PASSWORD, make_user

    make_user(app, username="ana", roles=("staff",), sites=[site])
    for evil in ("/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example",
                 "/%0d%0aSet-Cookie:x=1", "javascript:alert(1)"):
        token = csrf_from(client.get("/login").text)
        response = client.post(f"/login?next={evil}", data={
            "csrf_token": token, "login": "ana", "password": PASSWORD})
        assert response.status_code == 303, evil
        location = response.headers["Location"]
        assert location == "/" or "evil" not in location, (evil, location)
        assert location.startswith("/") and not location.startswith("//"), (evil, location)
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/profile").text)})


def test_bad_hx_current_url_is_harmless(client):
    response = client.get("/sites/", headers={"HX-Request": "true",
                                              "HX-Current-URL": "http://[bad"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


def test_failed_htmx_post_does_not_push_its_url(client, login_as):
    login_as("admin")
    token = csrf_from(client.get("/sites/new").text)
    response = client.post("/sites/new", headers={"HX-Request": "true", "HX-Boosted": "true",
                                                  "X-CSRFToken": token}, data={"name": ""})
    assert response.status_code == 422 and response.headers["HX-Push-Url"] == "false"


def test_sign_out_deletes_the_remember_me_cookie(app, client, site):
    from tests.conftest import PASSWORD, make_user

    make_user(app, username="ana", roles=("staff",), sites=[site])
    token = csrf_from(client.get("/login").text)
    client.post("/login", data={"csrf_token": token, "login": "ana", "password": PASSWORD,
                                "remember": "y"})
    response = client.post("/logout", data={"csrf_token": csrf_from(client.get("/profile").text)})
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=;") for c in cookies), cookies


def test_language_switch_from_a_failed_post_goes_back_to_a_page(client, login_as, site):
    login_as("supervisor")
    token = csrf_from(client.get("/profile").text)
    failed = client.post(f"/sites/{site.id}/areas", data={"csrf_token": token, "name": ""},
                         headers={"Referer": f"http://localhost/sites/{site.id}"})
    assert f"next=/sites/{site.id}" in failed.text.replace("%2F", "/")


def test_audit_filter_dates_far_away_are_ignored(client, login_as):
    login_as("admin")
    assert client.get("/admin/audit?until=9999-12-31&since=0001-01-01").status_code == 200
