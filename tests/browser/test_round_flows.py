"""Scheduled rounds in a real browser at phone size: a supervisor schedules a round for an
inspector, the inspector sees it in Today and does it from there, and the board shows it done
on time beside an earlier one that was missed. The clock is set (10:00 in Shanghai)."""

import re
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_flows import assert_clean_console, open_section, sign_in
from tests.browser.test_inspection_flows import sign
from tests.conftest import make_user
from tests.helpers import make_checklist

pytestmark = pytest.mark.browser

NOW = datetime(2026, 12, 1, 2, 0)  # 10:00 at the site (Asia/Shanghai)


@pytest.fixture
def clock(monkeypatch):
    from app.inspections import answers
    from app.rounds import registrations, services, views

    for module in (views, services, registrations, answers):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)


@pytest.fixture
def checklist(app, world):
    supervisor = make_user(app, username="sue", name="Sue Visor", roles=("supervisor",),
                           sites=[world.site])
    make_checklist(app, world.site, supervisor, publish=True)


def switch_to(page: Page, username: str, name: str) -> None:
    """Another person on the same phone: signed out (the session cookie gone), signed in.
    What the page still loads (a work order's parts) is let finish first: signed out, it
    would send the phone to the sign-in page in the middle of this one's loading."""
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto("/login")
    sign_in(page, username)
    expect(page.get_by_role("heading", name=f"Hello, {name}")).to_be_visible()


@pytest.mark.parametrize("viewport", ["phone"])
def test_a_round_is_scheduled_done_and_seen_on_the_board(page: Page, world, checklist, clock,
                                                          console, screenshot):
    page.goto("/login")
    sign_in(page, "sue")
    expect(page.get_by_role("heading", name="Hello, Sue Visor")).to_be_visible()
    page.goto("/rounds/schedules/new")
    page.get_by_label("Checklist").select_option(label="Hygiene check")
    page.get_by_label("Boiler room · Boiler room point").check()
    page.get_by_text("Every day", exact=True).click()
    page.get_by_label("Opens at").fill("06:00, 09:30")
    page.get_by_label("Due within (minutes after it opens)").fill("90")
    page.get_by_label("Missed after (minutes past due)").fill("30")
    page.get_by_label("Who does it").select_option(label="Ines Field")
    page.get_by_label("Starts on").fill(NOW.date().isoformat())  # the test's day, not today's
    screenshot("schedule")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # no sideways
    page.get_by_role("button", name="Schedule the round").click()
    expect(page.get_by_text("Round scheduled: Hygiene check.")).to_be_visible()
    expect(page.get_by_text("Every day · 06:00, 09:30")).to_be_visible()
    switch_to(page, "ines", "Ines Field")
    expect(page.get_by_role("heading", name="To do")).to_be_visible()  # on the home page
    open_section(page, "Today's rounds")
    expect(page.get_by_role("heading", name="Today's rounds")).to_be_visible()
    first = page.locator(".round").first
    expect(first).to_contain_text("Missed")  # 06:00 was due by 07:30: overdue ones first
    expect(page.locator(".round").nth(1)).to_contain_text("09:30 – due 11:00")
    screenshot("today")
    page.get_by_role("button", name="Start Hygiene check at Boiler room point").nth(1).click()
    expect(page.get_by_role("heading", name="Hygiene check")).to_be_visible()
    floor = page.get_by_role("group", name=re.compile("Floor clean"))
    floor.get_by_text("Pass", exact=True).click()
    expect(page.get_by_text("1 of 1 required answers given")).to_be_visible()
    sign(page)
    page.get_by_role("button", name="Complete inspection").click()
    expect(page.get_by_text(re.compile("Inspection INS-.* completed"))).to_be_visible()
    page.goto("/rounds/")
    expect(page.get_by_role("heading", name="Done today")).to_be_visible()
    expect(page.get_by_text("Done on time")).to_be_visible()
    switch_to(page, "sue", "Sue Visor")
    expect(page.get_by_role("heading", name="Rounds today")).to_be_visible()
    page.get_by_role("link", name=re.compile("missed")).click()
    expect(page.get_by_role("heading", name="Rounds board")).to_be_visible()
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="06:00")).to_contain_text("Missed")
    expect(rows.filter(has_text="09:30")).to_contain_text("Done on time")
    expect(rows.filter(has_text="09:30")).to_contain_text("Ines Field")
    screenshot("board")
    page.get_by_label("The whole week").check()
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("columnheader", name="Tue 1")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("06:00 Hygiene check"))).to_contain_text(
        "Missed")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot("week")
    page.get_by_role("link", name="Figures").click()
    expect(page.get_by_role("heading", name="Round figures")).to_be_visible()
    chart = page.get_by_role("img", name="Rounds done on time")
    expect(chart).to_have_accessible_description(re.compile("^From 50%"))  # 1 of 2 decided
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot("figures")
    assert_clean_console(console)
