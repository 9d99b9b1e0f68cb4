"""A customer without an account: request through the public page (the QR poster's address),
follow it on the status page, and rate the service once it is resolved."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import VIEWPORTS
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_customer_request_to_rating(app, world, page: Page, browser, live_server, console,
                                    screenshot, viewport):
    make_user(app, username="sam", name="Sam Lead", roles=("supervisor",), sites=[world.site])

    # The customer scans the poster: the public page, no sign-in.
    page.goto(f"/incidents/r/{world.site.code}?via=qr")
    expect(page.get_by_role("heading", level=1, name="North Plant")).to_be_visible()
    page.get_by_role("radio", name="Complaint").check()
    page.get_by_label("What do you need, or what went wrong?").fill(
        "The hand dryer in the ground floor toilet is broken")
    page.get_by_label("Where? (room, floor, counter)").fill("Ground floor, men's toilet")
    page.get_by_label("Phone (optional)").fill("13800000000")
    page.wait_for_timeout(3200)  # people take a few seconds; robots do not
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text(re.compile(r"Your reference is SR-\d{4}-\d{6}"))).to_be_visible()
    status_url = page.url.split("?")[0]
    reference = page.get_by_role("heading", level=1).inner_text()
    screenshot("1-sent")

    # The supervisor handles it as an incident and resolves it.
    staff = browser.new_context(base_url=live_server, **VIEWPORTS[viewport])
    desk = staff.new_page()
    desk.goto("/login?next=/incidents/requests")
    desk.get_by_label("Username or e-mail").fill("sam")
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    desk.get_by_role("link", name=re.compile(reference)).click()
    expect(desk.get_by_text("13800000000")).to_be_visible()
    desk.get_by_role("button", name="Create incident").click()
    expect(desk.get_by_text(f"From customer request {reference}")).to_be_visible()
    desk.get_by_label("Note").fill("Dryer replaced")
    desk.get_by_role("button", name="Mark resolved").click()
    expect(desk.get_by_text("is now: Resolved")).to_be_visible()
    staff.close()

    # The customer sees the progress (no staff names, no internal notes) and rates it.
    page.goto(status_url)
    expect(page.get_by_text("Status: Resolved")).to_be_visible()
    expect(page.get_by_text("Sam Lead")).to_have_count(0)
    expect(page.get_by_text("Dryer replaced")).to_have_count(0)
    page.get_by_role("radio", name="5 – very satisfied").check()
    page.get_by_label("Anything to add? (optional)").fill("Fixed the same day, thanks")
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_text("Thank you for your rating.")).to_be_visible()
    expect(page.get_by_role("button", name="Send rating")).to_have_count(0)  # once only
    screenshot("2-rated")
    assert console.unexpected() == []
