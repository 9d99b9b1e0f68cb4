"""The asset register in a real browser at phone size: a supervisor adds an asset with a
counting meter; a technician opens it from its QR label's address (signing in first), reads
the meter, is refused a lower reading with the reason and what was typed, and marks a reset."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.maintenance.models import Asset
from tests.browser.test_flows import assert_clean_console, open_section, sign_in
from tests.browser.test_round_flows import switch_to
from tests.conftest import make_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone"])
def test_an_asset_is_added_and_its_meter_read_from_its_label(page: Page, app, world, console,
                                                              screenshot):
    console.allow(r"status of 422")  # the refused reading, on purpose
    make_user(app, username="sue", name="Sue Visor", roles=("supervisor",), sites=[world.site])
    make_user(app, username="tom", name="Tom Tech", roles=("technician",), sites=[world.site])
    page.goto("/login")
    sign_in(page, "sue")
    open_section(page, "Assets")
    expect(page.get_by_role("heading", name="Assets")).to_be_visible()
    page.get_by_role("button", name="Add asset").click()
    page.get_by_label("Asset code", exact=True).fill("blr-01")
    page.get_by_label("Name", exact=True).fill("Boiler 1 锅炉")
    page.get_by_label("Location").select_option(label="Boiler room · L1 Boiler room point")
    page.get_by_label("Criticality").select_option(label="A – critical")
    page.get_by_label("Serial number").fill("VX-2231")
    screenshot("add-asset")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.get_by_role("button", name="Add asset").click()
    expect(page.get_by_text("Asset BLR-01 added.")).to_be_visible()
    page.get_by_text("Add a meter").click()
    page.get_by_label("Meter name").fill("Run hours")
    page.get_by_label("Unit").fill("h")
    page.get_by_role("button", name="Add meter").click()
    expect(page.get_by_text("Meter Run hours added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Trends")).to_be_visible()  # its figures, loaded

    with app.app_context():
        public_id = db.session.scalar(select(Asset.public_id).filter_by(code="BLR-01"))
    page.context.clear_cookies()
    page.goto(f"/maintenance/assets/{public_id}")  # what the QR label encodes
    sign_in(page, "tom")
    expect(page.get_by_role("heading", name="BLR-01 · Boiler 1 锅炉")).to_be_visible()
    page.get_by_role("spinbutton", name="Reading").fill("1520.5")
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_text("Reading saved: 1520.5 h.")).to_be_visible()
    expect(page.locator(".meter")).to_contain_text("Run hours: 1520.5 h")
    page.get_by_role("spinbutton", name="Reading").fill("1400")
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_text(re.compile(r"Lower than the last reading \(1520.5 h\)"))
           ).to_be_visible()
    expect(page.get_by_role("spinbutton", name="Reading")).to_have_value("1400")
    screenshot("refused-reading")
    page.get_by_label("The meter was reset or replaced").check()
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_text("Reading saved: 1400 h.")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("1400 h"))).to_be_visible()
    expect(page.get_by_text("Reset", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    switch_to(page, "sue", "Sue Visor")
    assert_clean_console(console)
