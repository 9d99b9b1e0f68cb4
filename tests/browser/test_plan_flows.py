"""Preventive maintenance in a real browser at phone size: a supervisor adds a plan due every
500 run hours on a pump; a technician reads the meter past it, finds the work order in his My
work, does it, and the plan's next due reading moves on from the reading at completion."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_flows import assert_clean_console, sign_in
from tests.browser.test_round_flows import switch_to
from tests.conftest import make_user
from tests.helpers import make_asset

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone"])
def test_a_meter_plan_opens_work_when_the_meter_crosses_it(page: Page, app, world, console,
                                                           screenshot):
    console.allow(r"status of 422")  # the refused plan, on purpose
    sue = make_user(app, username="sue", name="Sue Visor", roles=("supervisor",),
                    sites=[world.site])
    make_user(app, username="tom", name="Tom Tech", roles=("technician",), sites=[world.site])
    records = make_asset(app, world.site, sue)  # with a run hours meter
    page.goto(f"/maintenance/assets/{records['asset_uuid']}")
    sign_in(page, "sue")
    expect(page.get_by_role("heading", name=re.compile(r"PUMP-\w+ · Feed pump"))).to_be_visible()
    page.get_by_role("button", name="Add a maintenance plan").click()
    expect(page.get_by_role("heading", name="Add a maintenance plan")).to_be_visible()
    page.get_by_label("Title").fill("500 h service 500小时保养")
    page.get_by_label("Tasks (one per line)").fill("Change the oil\nCheck the seal")
    page.get_by_role("button", name="Add plan").click()  # no trigger yet: refused, kept
    expect(page.get_by_text("Set a calendar interval, a meter interval or a meter limit.")
           ).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("500 h service 500小时保养")
    page.get_by_label("Meter", exact=True).select_option(label="Run hours (h)")
    page.get_by_label("Every (meter units)").fill("500")
    page.get_by_label("Open the work order this many units before").fill("20")
    page.get_by_label("Estimated time (hours)").fill("2")
    screenshot("plan-form")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.get_by_role("button", name="Add plan").click()
    expect(page.get_by_text("Plan 500 h service 500小时保养 added.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"every 500 h, next at 500"))).to_be_visible()
    expect(page.get_by_text("None yet: the first opens when it falls due.")).to_be_visible()

    switch_to(page, "tom", "Tom Tech")
    page.goto(f"/maintenance/assets/{records['asset_uuid']}")
    page.get_by_role("spinbutton", name="Reading").fill("485")  # within the lead of 20 h
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_text("Reading saved: 485 h.")).to_be_visible()
    page.goto("/maintenance/my-work")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    work = page.get_by_role("link", name=re.compile("500 h service"))
    expect(work).to_be_visible()
    screenshot("my-work")
    work.click()
    expect(page.get_by_text("opened by its maintenance plan: the meter is at its interval")
           ).to_be_visible()
    expect(page.get_by_text(re.compile(r"due at 500 h"))).to_be_visible()
    page.get_by_role("button", name="Start work").click()
    expect(page.locator("main p .badge").get_by_text("In progress")).to_be_visible()
    page.get_by_label("What was done").fill("Oil changed, seal fine")
    page.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text(re.compile(r"is now: Done"))).to_be_visible()
    screenshot("done")

    page.get_by_role("link", name="500 h service 500小时保养").click()
    expect(page.get_by_role("heading", name="500 h service 500小时保养")).to_be_visible()
    expect(page.get_by_text(re.compile(r"every 500 h, next at 985"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Last done"))).to_be_visible()
    screenshot("plan-moved-on")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    switch_to(page, "sue", "Sue Visor")  # the supervisor's view: the calendar, the figures
    page.goto("/maintenance/work-orders/")
    page.get_by_role("link", name=re.compile("PM calendar")).click()
    expect(page.get_by_role("heading", name="PM calendar")).to_be_visible()
    expect(page.get_by_role("heading", name="Load by week")).to_be_visible()
    expect(page.get_by_role("heading", name="Waiting for the meter")).to_be_visible()  # one
    # reading in a day is no rate yet
    screenshot("pm-calendar")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.goto("/maintenance/overview")
    expect(page.get_by_role("heading", name="Maintenance overview")).to_be_visible()
    expect(page.get_by_role("img", name="Availability")).to_be_visible()
    page.get_by_label("Period").select_option(label="Last 4 weeks")  # htmx swaps the figures
    expect(page).to_have_url(re.compile(r"period=4w"))
    screenshot("overview")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert_clean_console(console)
