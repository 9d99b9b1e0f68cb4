"""One view, a page or a fragment (DESIGN.md "Views and templates")."""

import pytest

HX = {"HX-Request": "true"}


def test_full_page_without_htmx(client, login_as):
    login_as("staff")
    response = client.get("/sites/locations")
    assert "<html" in response.text and 'id="location_results"' in response.text
    assert set(response.vary) >= {"HX-Request", "HX-Target"}


def test_fragment_when_htmx_targets_the_block(client, login_as):
    login_as("staff")
    response = client.get("/sites/locations?q=L1", headers={**HX, "HX-Target": "location_results"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="location_results">')
    assert "<html" not in response.text and "L1" in response.text
    assert set(response.vary) >= {"HX-Request", "HX-Target"}


def test_boosted_navigation_gets_the_page(client, login_as):
    login_as("staff")
    response = client.get("/sites/locations", headers={**HX, "HX-Boosted": "true",
                                                       "HX-Target": "location_results"})
    assert "<html" in response.text


def test_history_restore_gets_the_page(client, login_as):
    login_as("staff")
    response = client.get("/sites/locations", headers={
        **HX, "HX-History-Restore-Request": "true", "HX-Target": "location_results"})
    assert "<html" in response.text


def test_other_target_gets_the_page(client, login_as):
    login_as("staff")
    assert "<html" in client.get("/sites/locations", headers={**HX, "HX-Target": "main"}).text


@pytest.mark.fresh_app
def test_flash_reaches_a_fragment_out_of_band(app, client, login_as):
    from flask import flash

    @app.route("/flash-test")
    def flash_test():
        flash("Saved it", "success")
        return '<div id="thing">ok</div>'

    flash_test.permission = None
    login_as("staff")
    response = client.get("/flash-test", headers={**HX, "HX-Target": "thing"})
    assert 'id="flash"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "Saved it" in response.text
