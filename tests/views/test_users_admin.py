"""User administration: add, edit, roles and sites, reset password, deactivate."""

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.conftest import PASSWORD, csrf_from, live, make_site, make_user, sign_in


def post(client, url, **data):
    token = csrf_from(client.get("/profile").text)
    return client.post(url, data={"csrf_token": token, **data})


def get_user(app, username) -> User:
    with app.app_context():
        return live(User, db.session.scalar(select(User.id).filter_by(username=username)))


def test_admin_adds_a_user_with_roles_and_sites(app, client, login_as, site):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "csrf_token": csrf_from(client.get("/admin/users/new").text), "username": "Mei.Lin",
        "name": "林美 Mei Lin", "email": "mei@example.com", "roles": ["inspector", "technician"],
        "sites": [str(site.id)], "language": "zh_Hans", "password": "lotus-harbour-77"})
    assert response.status_code == 303
    user = get_user(app, "mei.lin")
    assert user.role_set == {"inspector", "technician"} and user.site_ids == [site.id]
    assert user.language == "zh_Hans" and user.password_hash != "lotus-harbour-77"
    listing = client.get("/admin/users?q=mei").text
    assert "林美 Mei Lin" in listing


@pytest.mark.parametrize("username,error", [
    ("", "This field is required."),
    ("a b", "Use letters, digits"),
    ("x" * 41, "between 3 and 40"),
    ("<script>", "Use letters, digits"),
])
def test_user_form_bad_input_is_kept(client, login_as, username, error):
    login_as("admin")
    response = post(client, "/admin/users/new", username=username, name="名字 ✓",
                    roles=["nonsense"], sites=["999"], password="123")
    assert response.status_code == 422
    assert error in response.text
    assert "Choose from the list." in response.text
    assert "名字 ✓" in response.text


def test_duplicate_username_and_common_password(app, client, login_as):
    login_as("admin")
    make_user(app, username="taken")
    response = post(client, "/admin/users/new", username="TAKEN", name="X", roles=["staff"],
                    language="", password="password123")
    assert "already taken" in response.text
    response = post(client, "/admin/users/new", username="fresh", name="X", roles=["staff"],
                    language="", password="password123")
    assert "too common" in response.text


def test_edit_roles_and_sites(app, client, login_as, site):
    other = make_site(app, name="Other", code="OTH")
    login_as("admin")
    user = make_user(app, username="ana", roles=("staff",), sites=[site])
    response = post(client, f"/admin/users/{user.id}/edit", name="Ana", email="",
                    roles=["supervisor"], sites=[str(site.id), str(other.id)], language="")
    assert response.status_code == 303
    updated = get_user(app, "ana")
    assert updated.role_set == {"supervisor"} and set(updated.site_ids) == {site.id, other.id}


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(app, client, login_as):
    me = login_as("admin")
    response = post(client, f"/admin/users/{me.id}/edit", name="Me", roles=["staff"])
    assert response.status_code == 422 and "own administrator role" in response.text
    assert post(client, f"/admin/users/{me.id}/active", active="0").status_code == 400


def test_reset_password_signs_the_user_out(app, client, login_as, site):
    login_as("admin")
    user = make_user(app, username="ana", roles=("staff",), sites=[site])
    their_device = app.test_client()
    sign_in(app, their_device, user)
    assert their_device.get("/").status_code == 200
    response = post(client, f"/admin/users/{user.id}/password",
                    new_password="maple-river-88", confirm="maple-river-88")
    assert response.status_code == 303
    assert their_device.get("/").status_code == 303
    bad = post(client, f"/admin/users/{user.id}/password", new_password="short", confirm="x")
    assert bad.status_code == 422


def test_deactivate_ends_sessions_and_reactivate(app, client, login_as, site):
    login_as("admin")
    user = make_user(app, username="ana", roles=("staff",), sites=[site])
    their_device = app.test_client()
    sign_in(app, their_device, user)
    assert post(client, f"/admin/users/{user.id}/active", active="0").status_code == 303
    assert their_device.get("/").status_code == 303
    assert "Deactivated" in client.get("/admin/users?status=inactive").text
    assert post(client, f"/admin/users/{user.id}/active", active="1").status_code == 303
    token = csrf_from(their_device.get("/login").text)
    assert their_device.post("/login", data={"csrf_token": token, "login": "ana",
                                             "password": PASSWORD}).status_code == 303


def test_user_list_filters(app, client, login_as, site):
    login_as("admin", name="Zed Admin")
    make_user(app, username="tech", roles=("technician",), sites=[site])
    make_user(app, username="keeper", roles=("storekeeper",))
    assert "Keeper" not in client.get("/admin/users?role=technician").text
    assert "Tech" in client.get("/admin/users?role=technician").text
    by_site = client.get(f"/admin/users?site={site.id}").text
    assert "Tech" in by_site and "Keeper" not in by_site
    fragment = client.get("/admin/users?q=kee", headers={"HX-Request": "true",
                                                        "HX-Target": "user_rows"})
    assert fragment.text.lstrip().startswith('<div id="user_rows">') and "Keeper" in fragment.text
