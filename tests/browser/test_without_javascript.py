"""Every core form works with JavaScript off (progressive enhancement, DESIGN.md principle 2)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, VIEWPORTS
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def no_js_page(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False,
                                  locale="en-US", **VIEWPORTS["phone"])
    page = context.new_page()
    yield page
    context.close()


def test_supervisor_works_without_javascript(app, world, no_js_page):
    page = no_js_page
    make_user(app, username="sam", name="Sam Lead", roles=("supervisor",), sites=[world.site])
    page.goto("/login")
    page.get_by_label("Username or e-mail").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sam Lead")

    # Add an area: a bad one first (errors and typed text come back), then a good one.
    page.goto(f"/sites/{world.site.id}")
    page.get_by_label("Area name").fill("Boiler room")
    page.get_by_role("button", name="Add area").click()
    expect(page.get_by_text("This site already has an area with this name.")).to_be_visible()
    expect(page.get_by_label("Area name")).to_have_value("Boiler room")
    page.get_by_label("Area name").fill("Roof 屋顶")
    page.get_by_role("button", name="Add area").click()
    expect(page.get_by_text("Area Roof 屋顶 added.")).to_be_visible()

    # Add a location in it.
    page.get_by_role("button", name="Add location").click()
    page.get_by_label("Area").select_option(label="Roof 屋顶")
    page.get_by_label("Name").fill("Water tank")
    page.get_by_label("Code").fill("RF-01")
    page.get_by_role("button", name="Add location").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Water tank")

    # Search the list with the submit button that only shows without JavaScript.
    page.goto("/sites/locations")
    page.get_by_label("Search").fill("tank")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 location", exact=True)).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "without_javascript-phone-search.png", full_page=True)

    # Switch language and sign out.
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.get_by_role("link", name="我的").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
