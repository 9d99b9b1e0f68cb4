"""An inspector answers a checklist in a real browser, at phone and at tablet size: started
with one tap from a location's page, each answer saved as it is given, a failing reading with
its note, a photo, the page left and resumed, completed; the report and the action raised."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_flows import assert_clean_console, sign_in
from tests.helpers import image_bytes

pytestmark = pytest.mark.browser


def question(page: Page, prompt: str):
    return page.get_by_role("group", name=re.compile(re.escape(prompt)))


def saved(page: Page, prompt: str) -> None:
    part = page.locator(".question-part").filter(has=question(page, prompt))
    expect(part.get_by_text("✓ Saved")).to_be_visible()


def draw_signature(page: Page) -> None:
    """Draw a signature on the page's pad with the mouse."""
    pad = page.get_by_role("img", name="Signature pad: draw with a finger or the mouse")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + box["height"] / 2 + (step % 3) * 12)
    page.mouse.up()


def sign(page: Page) -> None:
    """Draw a signature on the inspection's pad, and save it."""
    draw_signature(page)
    page.get_by_role("button", name="Save signature").click()
    expect(page.get_by_text("✓ Signed")).to_be_visible()


def test_answer_an_inspection_from_a_location(page: Page, world, patrol, console, screenshot,
                                              tmp_path):
    page.goto(world.location_url)
    sign_in(page, "ines")
    page.get_by_role("button", name="Start: Equipment patrol with readings").click()
    expect(page.get_by_role("heading", name="Equipment patrol with readings")).to_be_visible()
    expect(page.get_by_text("0 of 6 required answers given")).to_be_visible()

    supply = question(page, "Chilled water supply temperature")
    supply.get_by_label("Reading (°C)").fill("12")
    supply.get_by_label("Reading (°C)").blur()
    expect(supply.get_by_text("✗ Failed")).to_be_visible()
    supply = question(page, "Chilled water supply temperature")
    supply.get_by_label("What is wrong (required)").fill("Supply valve stuck half open")
    supply.get_by_label("What is wrong (required)").blur()
    saved(page, "Chilled water supply temperature")
    for prompt, value in (("Chilled water return temperature", "12"),
                          ("Compressor discharge pressure", "1.2"),
                          ("Boiler pressure", "0.5")):
        field = question(page, prompt).get_by_label(re.compile("^Reading"))
        field.fill(value)
        field.blur()
        saved(page, prompt)
    question(page, "No leaks and no unusual noise").get_by_text("Yes", exact=True).click()
    saved(page, "No leaks and no unusual noise")
    expect(page.get_by_text("5 of 6 required answers given")).to_be_visible()

    gauge = page.locator(".question-part").filter(has=question(page, "Photo of the pressure gauge"))
    photo = tmp_path / "gauge.jpg"
    photo.write_bytes(image_bytes(size=(800, 600)))
    gauge.get_by_label("Take a photo").set_input_files(str(photo))
    gauge.get_by_role("button", name="Add photo").click()
    expect(page.get_by_role("img", name=re.compile("Photo 1 of"))).to_be_visible()
    screenshot("answered")

    # Leave, come back: everything is where it was.
    page.get_by_role("link", name="Home", exact=True).first.click()
    page.goto("/inspections/")
    page.get_by_role("link", name=re.compile("Equipment patrol with readings")).first.click()
    expect(question(page, "Chilled water supply temperature").get_by_label(
        "Reading (°C)")).to_have_value("12")
    expect(page.get_by_text("6 of 6 required answers given")).to_be_visible()

    sign(page)
    screenshot("signed")
    page.get_by_role("button", name="Complete inspection").click()
    expect(page.get_by_text(re.compile(r"Inspection INS-\d{4}-\d{6} completed"))).to_be_visible()
    expect(page.get_by_role("heading", name="Failed items")).to_be_visible()
    expect(page.get_by_role("heading", name="Actions raised")).to_be_visible()
    expect(page.get_by_text(re.compile("Chilled water supply temperature \\(Boiler room point"))
           ).to_be_visible()
    screenshot("report")
    assert_clean_console(console)
