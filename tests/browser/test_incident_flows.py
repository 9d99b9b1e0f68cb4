"""Incidents and corrective actions in a real browser, at phone and at tablet size.

Several people take part in one flow (a reporter, a supervisor, a technician): each has a
browser context of their own, made like the `page` fixture's (same window, locale, time zone,
CSP listener, console capture), and signs in through the real form. Each test ends by checking
that no browser saw a CSP violation or a JavaScript error.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.incidents.models import Incident
from tests.browser.conftest import _CSP_LISTENER, VIEWPORTS, shoot
from tests.conftest import PASSWORD, make_user
from tests.helpers import first_location, image_bytes, make_incident

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"INC-\d{4}-\d{6}")
ACTION_REFERENCE = re.compile(r"ACT-\d{4}-\d{6}")
# Forms that are answered 422 on purpose; chromium logs the failed load.
PROVOKED_422 = r"status of 422"


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill the real sign-in form, as a person would (the page must show it)."""
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_as(page: Page, username: str, url: str) -> None:
    """Open `url` signed out, sign in on the page it sends us to, and land on `url`."""
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/login\?"))
    sign_in(page, username)
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))


def urlpath(page: Page) -> str:
    """The page's URL without scheme and host (what url_for gives)."""
    return re.sub(r"^https?://[^/]+", "", page.url)


def flash(page: Page):
    return page.locator("#flash")


def head(page: Page):
    """The heading line: the reference and its badges (severity, status)."""
    return page.locator(".page-head").filter(has=page.get_by_role("heading", level=1))


def facts(page: Page):
    """The record's facts (the first list of them: Where, When, Owner, ...)."""
    return page.get_by_role("main").locator("dl.facts").first


def progress(page: Page):
    return page.get_by_role("article").filter(
        has=page.get_by_role("heading", name="Progress", exact=True))


def assert_clean_console(console) -> None:
    assert console.unexpected() == [], "\n".join(console.unexpected())


@pytest.fixture
def people(app, world):
    """The reporter, the site's supervisor and a technician, all of world's site."""
    return {
        "staff": make_user(app, username="sara", name="Sara Staff", roles=("staff",),
                           sites=[world.site]),
        "supervisor": make_user(app, username="sam", name="Sam Lead", roles=("supervisor",),
                                sites=[world.site]),
        "technician": make_user(app, username="tom", name="Tom Fixer", roles=("technician",),
                                sites=[world.site]),
    }


@pytest.fixture
def other_page(browser, live_server, viewport, console, request):
    """other_page("sam") -> a page in a browser context of its own (another person's phone)."""
    pages = {}

    def _open(who: str) -> Page:
        context = browser.new_context(base_url=live_server, locale="en-US",
                                      timezone_id="Asia/Shanghai", **VIEWPORTS[viewport])
        context.add_init_script(_CSP_LISTENER)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and console.errors.append(
            f"console ({who}): {m.text} ({m.location.get('url', '')})"))
        page.on("pageerror", lambda e: console.errors.append(f"pageerror ({who}): {e}"))
        pages[who] = page
        return page

    yield _open
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for who, page in pages.items():
        if failed:
            shoot(page, request, f"failure-{who}")
        page.context.close()


def test_report_with_photos_from_location_page(page: Page, world, people, console,
                                               screenshot):
    open_as(page, "sara", world.location_url)
    expect(page.get_by_role("heading", level=1, name=world.location_name)).to_be_visible()
    expect(page.get_by_text("No incidents reported here.")).to_be_visible()
    page.get_by_role("button", name="Report an incident here").click()

    expect(page.get_by_role("heading", level=1, name="Report an incident")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/incidents/report\?location="))
    # The location came with the link: it is chosen already, and named above the form.
    where = page.get_by_label("Where?")
    expect(where.locator("option:checked")).to_have_text("L1 · Boiler room point (Boiler room)")
    expect(page.get_by_role("main").get_by_text("L1 · Boiler room point · North Plant")
           ).to_be_visible()
    expect(page.get_by_label("When?")).not_to_have_value("")
    expect(page.get_by_role("radio", name="Medium")).to_be_checked()  # the default

    page.get_by_role("radio", name="Equipment failure").check()
    page.get_by_role("radio", name="High").check()
    page.get_by_label("What happened", exact=True).fill("Pump P-3 is leaking oil onto the floor.")
    page.get_by_label("Photos").set_input_files([
        {"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()},
        {"name": "gauge.png", "mimeType": "image/png",
         "buffer": image_bytes("PNG", size=(48, 64), color=(30, 90, 200))},
    ])
    screenshot("1-report-form")
    page.get_by_role("button", name="Send report").click()

    # The reference at once, on the incident's page.
    expect(flash(page)).to_have_text(re.compile(r"^Reported as INC-\d{4}-\d{6}\. Thank you\.$"))
    reference = REFERENCE.search(flash(page).inner_text()).group()
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    expect(page).to_have_url(re.compile(r"/incidents/\d+"))
    main = page.get_by_role("main")
    expect(head(page)).to_contain_text("High")
    expect(head(page)).to_contain_text("Reported")
    expect(facts(page)).to_contain_text("L1 · Boiler room point, North Plant")
    expect(facts(page)).to_contain_text("Sara Staff")
    expect(main.get_by_text("Pump P-3 is leaking oil onto the floor.")).to_be_visible()
    screenshot("2-reported")

    # Both photos are there, as thumbnails that loaded.
    for n in (1, 2):
        thumb = page.get_by_role("img", name=f"Photo {n} of {reference}")
        thumb.scroll_into_view_if_needed()
        expect(thumb).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=thumb.element_handle())
    expect(page.get_by_role("link", name=re.compile(r"^Photo \d of ")).first).to_have_attribute(
        "href", re.compile(r"^/attachments/"))
    screenshot("3-photos")

    # The location's page lists it now.
    main.get_by_role("link", name="L1 · Boiler room point").click()
    expect(page.get_by_role("heading", level=1, name=world.location_name)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(reference))).to_contain_text("High")
    assert_clean_console(console)


def test_triage_assign_resolve_and_close(app, page: Page, other_page, world, people, console,
                                         screenshot, request):
    console.allow(PROVOKED_422)
    incident = make_incident(app, world.site, people["staff"], severity="high",
                             location=first_location(app, world.site),
                             description="Pump P-3 is leaking oil onto the floor.")
    url = f"/incidents/{incident.id}"
    ref = incident.reference

    # The supervisor triages it and gives it to the technician, who has the type's skill (★).
    boss = other_page("sam")
    open_as(boss, "sam", url)
    expect(boss.get_by_role("heading", level=1)).to_have_text(ref)
    triage = boss.get_by_role("article").filter(
        has=boss.get_by_role("heading", name="Triage", exact=True))
    expect(triage.get_by_label("Severity")).to_have_value("high")
    assignee = triage.get_by_label("Assignee")
    expect(assignee.locator("option")).to_contain_text(
        ["Nobody yet", "Tom Fixer · 0 open ★"])
    triage.get_by_label("Priority").select_option(label="P2 – high")
    assignee.select_option(label="Tom Fixer · 0 open ★")
    triage.get_by_label("Category").fill("Pumps")
    shoot(boss, request, "1-triage-supervisor")
    triage.get_by_role("button", name="Save triage").click()
    expect(flash(boss)).to_have_text("Triage saved.")
    expect(facts(boss)).to_contain_text("Tom Fixer")
    expect(facts(boss)).to_contain_text("P2 – high")
    expect(boss.locator("#incident_timeline")).to_contain_text("assigned it to Tom Fixer")

    # The technician is told, and opens it from the notification list.
    page.goto("/login")
    sign_in(page, "tom")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Tom Fixer")
    page.get_by_role("link", name="Notifications: 1 new").click()
    expect(page.get_by_role("heading", level=1, name="Notifications")).to_be_visible()
    screenshot("2-notifications")
    page.get_by_role("button", name=re.compile(re.escape(f"{ref} was assigned to you"))).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ref)
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    expect(page.get_by_role("link", name="Notifications: 0 new")).to_be_visible()
    # A technician has no triage.
    expect(page.get_by_role("heading", name="Triage")).to_have_count(0)
    expect(page.get_by_role("link", name="Raise an action")).to_have_count(0)

    steps = progress(page)
    steps.get_by_role("button", name="Acknowledge").click()
    expect(flash(page)).to_have_text(f"{ref} is now: Acknowledged")
    progress(page).get_by_role("button", name="Start work").click()
    expect(flash(page)).to_have_text(f"{ref} is now: In progress")

    # Resolving needs a note: without one, the error is on the note field.
    progress(page).get_by_role("button", name="Mark resolved").click()
    note = progress(page).get_by_label("Note")
    expect(progress(page).get_by_text("Say how it was resolved.")).to_be_visible()
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(head(page)).to_contain_text("In progress")
    screenshot("3-resolve-refused-as-seen")  # see test_refused_resolve_keeps_the_error_in_sight
    note.scroll_into_view_if_needed()
    screenshot("4-resolve-needs-a-note")
    note.fill("Seal replaced, no more oil.")
    progress(page).get_by_role("button", name="Mark resolved").click()
    expect(flash(page)).to_have_text(f"{ref} is now: Resolved")
    resolution = page.get_by_role("heading", name="Resolution")
    expect(resolution).to_be_visible()
    expect(resolution.locator("xpath=following-sibling::p[1]")).to_have_text(
        "Seal replaced, no more oil.")
    # The technician may not close it.
    expect(page.get_by_role("button", name="Close")).to_have_count(0)

    # The supervisor closes it; a high incident needs its root cause first.
    boss.reload()
    steps = progress(boss)
    expect(steps.get_by_role("button", name="Close")).to_be_visible()
    expect(steps.get_by_role("button", name="Reopen")).to_be_visible()
    steps.get_by_label("Note").fill("Checked with the operator.")
    steps.get_by_label("Root cause", exact=True).select_option(label="Equipment or tools")
    steps.get_by_role("button", name="Close").click()
    expect(progress(boss).get_by_text(
        "A high or critical incident needs its root cause before it is closed.")).to_be_visible()
    # Nothing typed is lost.
    expect(progress(boss).get_by_label("Note")).to_have_value("Checked with the operator.")
    expect(progress(boss).get_by_label("Root cause", exact=True)).to_have_value("equipment")
    words = progress(boss).get_by_label("Root cause, in words")
    expect(words).to_have_attribute("aria-invalid", "true")
    words.scroll_into_view_if_needed()
    shoot(boss, request, "5-close-needs-root-cause")
    words.fill("Worn shaft seal, past its service life.")
    progress(boss).get_by_role("button", name="Close").click()
    expect(flash(boss)).to_have_text(f"{ref} is now: Closed")
    main = boss.get_by_role("main")
    expect(head(boss)).to_contain_text("Closed")
    expect(main.get_by_text("Equipment or tools: Worn shaft seal, past its service life.")
           ).to_be_visible()
    # Only reopening is left.
    expect(progress(boss).get_by_role("button")).to_have_text(["Reopen"])
    timeline = boss.locator("#incident_timeline")
    for line in ("moved it to Acknowledged", "moved it to In progress", "moved it to Resolved",
                 "moved it to Closed"):
        expect(timeline).to_contain_text(line)
    timeline.locator("li").last.scroll_into_view_if_needed()
    shoot(boss, request, "6-closed")
    assert_clean_console(console)


def test_action_reopened_then_verified(app, page: Page, other_page, world, people, console,
                                       screenshot, request):
    console.allow(PROVOKED_422)
    incident = make_incident(app, world.site, people["staff"],
                             location=first_location(app, world.site))
    url = f"/incidents/{incident.id}"

    # The supervisor raises an action from the incident, for the technician.
    boss = other_page("sam")
    open_as(boss, "sam", url)
    boss.get_by_role("button", name="Raise an action").click()
    expect(boss.get_by_role("heading", level=1, name="Raise an action")).to_be_visible()
    expect(boss.get_by_text(f"From incident {incident.reference}")).to_be_visible()
    title = boss.get_by_label("What must be done")
    expect(title).to_have_value(f"Prevent a repeat of {incident.reference}")
    expect(boss.get_by_label("Due date")).not_to_have_value("")
    title.fill("Fit a drip tray under pump P-3")
    boss.get_by_label("Owner").select_option(label="Tom Fixer")
    boss.get_by_label("Priority").select_option(label="P2 – high")
    shoot(boss, request, "1-raise-action")
    boss.get_by_role("button", name="Raise action").click()
    expect(flash(boss)).to_have_text(re.compile(r"^Action ACT-\d{4}-\d{6} raised\.$"))
    act = ACTION_REFERENCE.search(flash(boss).inner_text()).group()
    expect(boss.get_by_role("heading", level=1)).to_have_text(act)
    action_url = urlpath(boss)
    expect(facts(boss)).to_contain_text("Tom Fixer")
    expect(facts(boss)).to_contain_text(f"Incident {incident.reference}")
    # The incident lists it.
    boss.get_by_role("link", name=incident.reference).click()
    expect(boss.get_by_role("heading", level=1)).to_have_text(incident.reference)
    expect(boss.get_by_role("link", name=re.compile(act))).to_contain_text(
        "Fit a drip tray under pump P-3 · Tom Fixer")

    # The technician finds it under Actions, starts it and marks it done.
    page.goto("/login")
    sign_in(page, "tom")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Tom Fixer")
    expect(page.get_by_role("link", name="Notifications: 1 new")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Actions",
                                                            exact=True).click()
    page.get_by_role("link", name=re.compile(act)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(act)
    expect(page).to_have_url(re.compile(re.escape(action_url) + "$"))
    page.get_by_role("button", name="Start", exact=True).click()
    expect(flash(page)).to_have_text(f"{act} is now: In progress")
    page.get_by_label("What was done").fill("Tray fitted.")
    page.get_by_role("button", name="Mark done").click()
    expect(flash(page)).to_have_text(f"{act} is now: Done")
    expect(page.get_by_role("heading", name="Work on it")).to_have_count(0)
    expect(page.get_by_role("heading", name="Check that it worked")).to_have_count(0)
    screenshot("2-done")

    # The supervisor checks: it did not work (a reason is needed), so it is open again.
    boss.goto(action_url)
    check = boss.get_by_role("article").filter(
        has=boss.get_by_role("heading", name="Check that it worked"))
    check.get_by_label("No: reopen the action").check()
    check.get_by_role("button", name="Record the check").click()
    check = boss.get_by_role("article").filter(
        has=boss.get_by_role("heading", name="Check that it worked"))
    expect(check.get_by_text("Say why it was not effective.")).to_be_visible()
    expect(check.get_by_label("No: reopen the action")).to_be_checked()
    check.get_by_label("What was checked").fill("Oil still reaches the floor past the tray.")
    check.get_by_role("button", name="Record the check").scroll_into_view_if_needed()
    shoot(boss, request, "3-not-effective")
    check.get_by_role("button", name="Record the check").click()
    expect(flash(boss)).to_have_text(f"{act} is now: Open")
    expect(facts(boss)).to_contain_text("1×")

    # The technician is told, and does it again.
    page.get_by_role("link", name=re.compile(r"^Notifications: [1-9]\d* new$")).click()
    page.get_by_role("button", name=re.compile(
        re.escape(f"Action {act} was not effective and is open again"))).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(act)
    expect(head(page)).to_contain_text("Open")
    page.get_by_label("What was done").fill("Tray replaced by a sealed drain to the sump.")
    page.get_by_role("button", name="Mark done").click()
    expect(flash(page)).to_have_text(f"{act} is now: Done")

    # This time it worked.
    boss.reload()
    check = boss.get_by_role("article").filter(
        has=boss.get_by_role("heading", name="Check that it worked"))
    check.get_by_label("Yes: the problem has not come back").check()
    check.get_by_label("What was checked").fill("Floor dry after two days.")
    check.get_by_role("button", name="Record the check").click()
    expect(flash(boss)).to_have_text(f"{act} is now: Verified effective")
    expect(head(boss).locator(".badge")).to_have_text(["Verified effective"])
    expect(boss.get_by_role("heading", name="Check that it worked")).to_have_count(0)
    expect(boss.get_by_role("heading", name="Work on it")).to_have_count(0)

    # The timeline shows both checks, each with what was checked.
    timeline = boss.locator("#timeline ol")
    not_effective = timeline.locator("li").filter(
        has_text="found it not effective; open again")
    expect(not_effective).to_contain_text("Sam Lead")
    expect(not_effective).to_contain_text("Oil still reaches the floor past the tray.")
    verified = timeline.locator("li").filter(has_text="verified it effective")
    expect(verified).to_contain_text("Sam Lead")
    expect(verified).to_contain_text("Floor dry after two days.")
    expect(timeline.locator("li").filter(has_text="moved it to Done")).to_have_count(2)
    timeline.locator("li").last.scroll_into_view_if_needed()
    shoot(boss, request, "4-verified")
    assert_clean_console(console)


def test_refused_resolve_keeps_the_error_in_sight(app, page: Page, world, people, console,
                                                 screenshot):
    console.allow(PROVOKED_422)
    incident = make_incident(app, world.site, people["staff"],
                             location=first_location(app, world.site))
    with app.app_context():  # given to the technician (the triage flow is tested above)
        row = db.session.get(Incident, incident.id)
        row.assignee_id = people["technician"].id
        db.session.commit()
    open_as(page, "tom", f"/incidents/{incident.id}")
    note = progress(page).get_by_label("Note")
    note.click()
    progress(page).get_by_role("button", name="Mark resolved").click()
    error = progress(page).get_by_text("Say how it was resolved.")
    expect(error).to_be_attached()
    screenshot("1-refused")
    # Where the person was working: the error is in sight and typing goes on in the note.
    # (Short waits: the swap has settled once the error is there, and this is expected to fail.)
    expect(error).to_be_in_viewport(timeout=1_000)
    expect(progress(page).get_by_label("Note")).to_be_focused(timeout=1_000)
