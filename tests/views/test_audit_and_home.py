"""The audit log page (admins) and the home page."""

from tests.conftest import csrf_from, make_site, make_user


def test_changes_are_in_the_audit_log_with_before_and_after(app, client, login_as, site):
    login_as("admin", username="boss")
    token = csrf_from(client.get("/profile").text)
    client.post(f"/sites/{site.id}/edit", data={"csrf_token": token, "name": "Renamed Site",
                                                "code": site.code, "timezone": "UTC"})
    html = client.get("/admin/audit?entity=site&action=update&actor=boss").text
    assert "Renamed Site" in html and "Test Site" in html  # before and after
    assert "1 event" in html
    assert "No events match" in client.get("/admin/audit?actor=nobody").text
    dated = client.get("/admin/audit?since=2000-01-01&until=2000-01-02").text
    assert "No events match" in dated
    assert client.get("/admin/audit?since=garbage").status_code == 200


def test_audit_fragment_for_htmx_filters(client, login_as):
    login_as("admin")
    response = client.get("/admin/audit?action=create", headers={"HX-Request": "true",
                                                                 "HX-Target": "audit_rows"})
    assert response.text.lstrip().startswith('<div id="audit_rows">')


def test_home_shows_my_sites_and_recent_changes(app, client, login_as, site):
    make_site(app, name="Not mine", code="NOT")
    login_as("supervisor", name="Ana")
    html = client.get("/").text
    assert "Hello, Ana" in html and "Test Site" in html and "Not mine" not in html
    assert "Lobby point" in html  # a recent change at my site


def test_others_see_only_their_own_changes_on_home(app, client, login_as, site):
    from tests.helpers import make_action

    boss = make_user(app, username="boss", roles=("supervisor",), sites=[site])
    make_action(app, site, boss, by=boss, title="Private matter")
    login_as("staff")
    html = client.get("/").text
    assert "Private matter" not in html and "Lobby point" not in html


def test_home_navigation_by_role(client, login_as):
    login_as("staff")
    assert 'href="/admin/users"' not in client.get("/").text
    admin_client_html = None
    assert admin_client_html is None


def test_admin_sees_admin_navigation(client, login_as):
    login_as("admin")
    html = client.get("/").text
    assert 'href="/admin/users"' in html and 'aria-current="page"' in html
