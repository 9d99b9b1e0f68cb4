"""Every core form works with JavaScript off (progressive enhancement, DESIGN.md principle 2)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, VIEWPORTS
from tests.browser.test_inspection_flows import question, saved
from tests.conftest import PASSWORD, make_user
from tests.helpers import image_bytes

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


def test_an_inspection_is_answered_section_by_section_without_javascript(
        world, patrol, no_js_page, tmp_path):
    """Each section is a plain form: its Save button sends every answer (and photo) in it;
    the page comes back at that section with the follow-ups its answers show."""
    page = no_js_page
    page.goto(world.location_url)
    page.get_by_label("Username or e-mail").fill("ines")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Start: Site hygiene check").click()
    expect(page.get_by_text("0 of 6 required answers given")).to_be_visible()

    floors = page.get_by_role("region", name="Floors and surfaces")
    question(floors, "Floors clean and dry").get_by_text("Pass", exact=True).click()
    question(floors, "Wet-floor signs out where needed").get_by_text("Yes", exact=True).click()
    floors.get_by_role("button", name="Save this section").click()
    expect(page.get_by_text("Section saved.")).to_be_visible()
    expect(page.get_by_text("2 of 6 required answers given")).to_be_visible()
    saved(page, "Floors clean and dry")

    waste = page.get_by_role("region", name="Waste sorting")
    question(waste, "Waste sorted into the right bins").get_by_text("Pass", exact=True).click()
    question(waste, "Bins emptied before they overflow").get_by_text("No", exact=True).click()
    waste.get_by_role("button", name="Save this section").click()
    follow_up = question(page, "Which bins were overflowing?")
    expect(follow_up).to_be_visible()  # shown by the "No", rendered by the server
    follow_up.get_by_label("Answer").fill("The one by the kitchen door")
    page.get_by_role("region", name="Waste sorting").get_by_role(
        "button", name="Save this section").click()
    expect(page.get_by_text("5 of 7 required answers given")).to_be_visible()

    equipment = page.get_by_role("region", name="Equipment cleanliness")
    question(equipment, "Condition of the equipment").get_by_text("Dirty", exact=True).click()
    equipment.get_by_role("button", name="Save this section").click()
    equipment = page.get_by_role("region", name="Equipment cleanliness")
    expect(equipment.get_by_text("✗ Failed: a photo is required")).to_be_visible()
    photo = tmp_path / "grease.jpg"
    photo.write_bytes(image_bytes(size=(800, 600)))
    equipment.get_by_label("Take a photo").set_input_files(str(photo))
    equipment.get_by_role("button", name="Add photo").click()
    expect(page.get_by_role("img", name=re.compile("Photo 1 of “Condition of the equipment”"))
           ).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "without_javascript-phone-inspection.png", full_page=True)

    # Leaving and coming back loses nothing; signing needs JavaScript, and says so.
    page.goto("/inspections/")
    page.get_by_role("link", name=re.compile("Site hygiene check")).first.click()
    expect(question(page, "Which bins were overflowing?").get_by_label("Answer")).to_have_value(
        "The one by the kitchen door")
    expect(page.get_by_text("Signing needs a browser with JavaScript.")).to_be_visible()
