"""Work orders in a real browser at phone size: a fault reported from an asset's QR address
with a photo (the asset down), approved and assigned by a supervisor; the technician starts
the timer from My work, leaves and comes back (the timer still runs), logs the failure, cause
and remedy and marks it done; the person who reported it verifies it and closes it with a
signature (corrective work signs off)."""

import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.maintenance import services, work_orders
from tests.browser.test_flows import assert_clean_console, sign_in
from tests.browser.test_inspection_flows import draw_signature
from tests.browser.test_round_flows import switch_to
from tests.conftest import make_user
from tests.helpers import image_bytes, make_asset

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone"])
def test_a_fault_becomes_work_that_is_done_and_verified(page: Page, app, world, console,
                                                         screenshot):
    console.allow(r"status of 422")
    supervisor = make_user(app, username="sue", name="Sue Visor", roles=("supervisor",),
                           sites=[world.site])
    make_user(app, username="tom", name="Tom Tech", roles=("technician",), sites=[world.site])
    records = make_asset(app, world.site, supervisor, code="BLR-01", name="Boiler 1")
    with app.test_request_context():
        for kind, name in (("failure", "No ignition"), ("cause", "Dirty sensor"),
                           ("remedy", "Cleaned")):
            services.add_code(kind, name=name, by=None)
        work_orders.set_sign_off(["corrective"], by=None)
        db.session.commit()
    page.goto(f"/maintenance/assets/{records['asset_uuid']}")  # the QR label's address
    sign_in(page, "ines")
    page.get_by_role("button", name="Report a fault").click()
    page.get_by_label("What is wrong?").fill("Burner trips after a minute, smell of gas")
    page.get_by_label("The asset is down (it cannot be used)").check()
    page.get_by_label("Photos (optional)").set_input_files([
        {"name": "burner.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}])
    screenshot("fault")
    page.get_by_role("button", name="Send fault report").click()
    expect(page.get_by_text(re.compile(r"Fault reported as WO-\d{4}-\d{6}"))).to_be_visible()
    reference = page.get_by_role("heading", level=1).inner_text()
    expect(page.get_by_role("img", name=f"Photo of {reference}")).to_be_visible()

    switch_to(page, "sue", "Sue Visor")
    page.get_by_role("link", name=re.compile("fault reports to approve")).click()
    page.get_by_role("link", name=re.compile(reference)).click()
    expect(page.get_by_role("heading", name="Approve the request")).to_be_visible()
    page.get_by_label("Priority").select_option(label="P1 – urgent")
    page.get_by_label("Tom Tech").check()
    screenshot("approve")
    page.get_by_role("button", name="Approve: make it a work order").click()
    expect(page.get_by_text(f"{reference} approved: it is open work now.")).to_be_visible()
    expect(page.locator("main p .badge").get_by_text("P1 – urgent")).to_be_visible()

    switch_to(page, "tom", "Tom Tech")
    expect(page.get_by_role("heading", name="My work orders")).to_be_visible()  # his home
    page.get_by_role("link", name=re.compile(reference)).click()
    page.get_by_role("button", name="Start my timer").click()
    expect(page.get_by_text("Timer started.")).to_be_visible()
    expect(page.locator("main p .badge").get_by_text("In progress")).to_be_visible()
    page.goto("/")  # away (the phone in a pocket), and back later
    page.get_by_role("link", name=re.compile(reference)).click()
    expect(page.get_by_text(re.compile("Your timer is running since"))).to_be_visible()
    page.get_by_label("Failure").select_option(label="No ignition")
    page.get_by_label("Cause").select_option(label="Dirty sensor")
    page.get_by_label("Remedy").select_option(label="Cleaned")
    page.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text("Say what was done.")).to_be_visible()
    page.get_by_label("What was done").fill("Cleaned the flame sensor, tested three starts")
    page.get_by_label("The asset is back in service").check()
    page.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text(f"{reference} is now: Done")).to_be_visible()
    expect(page.get_by_text("Dirty sensor")).to_be_visible()
    expect(page.get_by_role("button", name="Stop my timer")).to_have_count(0)  # stopped
    screenshot("done")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    switch_to(page, "ines", "Ines Field")
    page.goto(f"/maintenance/assets/{records['asset_uuid']}")
    expect(page.get_by_text("In service", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile(reference)).click()
    expect(page.get_by_text("This type of work is closed with the verifier's signature.")
           ).to_be_visible()
    draw_signature(page)
    page.get_by_role("button", name="Sign and close").click()
    expect(page.get_by_text(f"{reference} is now: Closed")).to_be_visible()
    expect(page.get_by_role("img", name="Signature of who verified it")).to_be_visible()
    screenshot("closed")
    expect(page.get_by_role("list").get_by_text("moved it to Closed")).to_be_visible()
    assert_clean_console(console)
