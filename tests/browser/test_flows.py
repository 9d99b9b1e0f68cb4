"""The field worker's walk through Fieldbook in a real browser, at phone and at tablet size.

Each test names the flow it covers; each ends by checking that the browser saw no CSP violation
and no JavaScript error.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

HELLO = re.compile(r"^Hello, Ines Field$")


def sign_in(page: Page, username: str, password: str = PASSWORD, remember: bool = False) -> None:
    """Fill the real sign-in form, as a person would (the page must show it)."""
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    if remember:
        page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()


def open_section(page: Page, name: str) -> None:
    """Follow the main navigation; on a phone, Sites and Locations are under "Me" (More)."""
    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        nav.get_by_role("link", name="Me", exact=True).click()
        link = page.get_by_role("navigation", name="More").get_by_role("link", name=name,
                                                                        exact=True)
    link.click()


def mark_page(page: Page) -> None:
    """Put a marker on `window`: it survives htmx swaps and vanishes with a full page load."""
    page.evaluate("window.__marker = 1")


def page_was_not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__marker === 1")


def nav_box(page: Page) -> dict:
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    box = nav.bounding_box()
    assert box, "the main navigation has no box"
    return box


def assert_clean_console(console) -> None:
    assert console.unexpected() == [], "\n".join(console.unexpected())


def test_sign_in_wrong_password_then_right(page: Page, world, console, screenshot):
    # A wrong password is answered 422 on purpose; chromium logs the failed load.
    console.allow(r"status of 422")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    screenshot("1-sign-in")

    sign_in(page, "ines", "not-the-password", remember=True)
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    expect(page.get_by_label("Username or e-mail")).to_have_value("ines")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Keep me signed in on this device")).to_be_checked()
    screenshot("2-wrong-password")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HELLO)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    screenshot("3-home")
    # "Keep me signed in" gave a lasting cookie.
    cookies = page.context.cookies()
    assert any(c["expires"] > 0 for c in cookies), cookies
    assert_clean_console(console)


def test_htmx_navigation_and_search(page: Page, world, console, viewport, screenshot):
    page.goto("/login")
    sign_in(page, "ines")
    expect(page.get_by_role("heading", level=1)).to_have_text(HELLO)

    # Navigation bar: at the bottom on a phone, at the left side on a tablet.
    size = page.viewport_size
    box = nav_box(page)
    if viewport == "phone":
        assert box["y"] + box["height"] == pytest.approx(size["height"], abs=1), box
        assert box["x"] == pytest.approx(0, abs=1) and box["width"] == pytest.approx(
            size["width"], abs=1), box
        assert box["height"] < 120, box
    else:
        assert box["x"] == pytest.approx(0, abs=1), box
        assert box["height"] == pytest.approx(size["height"], abs=1), box
        assert box["width"] < size["width"] / 3, box
        # The page's content sits beside the side bar, not under it.
        main_box = page.locator("main").bounding_box()
        assert main_box["x"] >= box["x"] + box["width"] - 1, (main_box, box)
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Home", "Report", "Incidents", "Actions", "Me"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    # An inspector has no Admin entry.
    expect(nav.get_by_role("link", name="Admin", exact=True)).to_have_count(0)

    mark_page(page)
    open_section(page, "Sites")
    expect(page.get_by_role("heading", level=1, name="Sites")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/sites/?$"))
    if viewport == "tablet":
        expect(nav.get_by_role("link", name="Sites", exact=True)).to_have_attribute(
            "aria-current", "page")
    screenshot("1-sites")

    page.get_by_role("link", name=re.compile("North Plant")).click()
    expect(page.get_by_role("heading", level=1, name="North Plant")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Boiler room")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Warehouse")).to_be_visible()
    screenshot("2-site")

    page.get_by_role("link", name=re.compile("Boiler room point")).click()
    expect(page.get_by_role("heading", level=1, name="Boiler room point")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(world.location_url) + "$"))
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("L1")
    expect(facts).to_contain_text("Boiler room")
    expect(facts).to_contain_text("North Plant")
    expect(page.get_by_role("heading", name="Photos")).to_be_visible()
    qr = page.get_by_role("img", name="QR code that opens this page")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR image did not load"
    screenshot("3-location")

    open_section(page, "Locations")
    expect(page.get_by_role("heading", level=1, name="Locations")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("link")).to_have_count(2)
    expect(main.get_by_text("2 locations")).to_be_visible()
    screenshot("4-locations")

    page.get_by_label("Search").fill("ware")
    expect(main.get_by_role("link")).to_have_count(1)
    expect(main.get_by_role("link")).to_contain_text("Warehouse point")
    expect(main.get_by_text("1 location", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/sites/locations\?.*q=ware"))
    expect(page.get_by_label("Search")).to_be_focused()  # typing goes on, nothing was replaced
    page.get_by_label("Search").fill("nothing like this")
    expect(main.get_by_text("No location matches.")).to_be_visible()
    expect(main.get_by_role("link")).to_have_count(0)
    screenshot("5-search")

    # All of it without a full page load: htmx boosted links and the search form.
    assert page_was_not_reloaded(page)
    # The navigation bar is still where it was after all those swaps.
    assert nav_box(page) == pytest.approx(box, abs=1)
    assert_clean_console(console)


def test_switch_language_to_chinese_and_back(page: Page, world, console, screenshot):
    page.goto("/login")
    sign_in(page, "ines")
    expect(page.get_by_role("heading", level=1)).to_have_text(HELLO)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    open_section(page, "Locations")
    expect(page.get_by_role("heading", level=1, name="Locations")).to_be_visible()

    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", level=1, name="位置")).to_be_visible()
    expect(page.get_by_role("navigation").filter(
        has=page.get_by_role("link", name="首页"))).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/sites/locations"))  # stays on the same page
    screenshot("1-chinese")

    # The choice is kept: a fresh load of another page is still in Chinese.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("你好，Ines Field")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    screenshot("2-chinese-home")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HELLO)
    expect(page.get_by_role("button", name="中文")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Incidents")
    screenshot("3-english-again")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(HELLO)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_clean_console(console)


@pytest.mark.parametrize("viewport", ["phone"])  # not a flow: one size is enough
def test_language_switch_updates_html_lang(page: Page, world, console):
    page.goto("/login")
    sign_in(page, "ines")
    expect(page.get_by_role("heading", level=1)).to_have_text(HELLO)
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("你好，Ines Field")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"


@pytest.mark.parametrize("viewport", ["phone"])  # not a flow: one size is enough
def test_location_search_keeps_one_results_region(page: Page, world, console):
    page.goto("/login?next=/sites/locations")
    sign_in(page, "ines")
    expect(page.get_by_role("heading", level=1, name="Locations")).to_be_visible()
    page.get_by_label("Search").fill("ware")
    expect(page.get_by_role("main").get_by_role("link")).to_have_count(1)
    # CSS on purpose: an id must be unique in the page.
    assert page.locator("#location_results").count() == 1


def test_qr_url_while_signed_out_lands_on_location(page: Page, world, console, screenshot):
    page.goto(world.location_url)
    expect(page).to_have_url(re.compile(r"/login\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["next"] == [world.location_url], page.url
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    screenshot("1-sign-in")

    sign_in(page, "ines")
    expect(page.get_by_role("heading", level=1, name=world.location_name)).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(world.location_url) + "$"))
    expect(page.get_by_role("img", name="QR code that opens this page")).to_be_visible()
    screenshot("2-location")
    assert_clean_console(console)


def test_sign_out_from_me_page(page: Page, world, console, screenshot):
    page.goto("/login")
    sign_in(page, "ines")
    expect(page.get_by_role("heading", level=1)).to_have_text(HELLO)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Me", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Ines Field")).to_be_visible()
    sign_out = page.get_by_role("button", name="Sign out")
    sign_out.scroll_into_view_if_needed()
    screenshot("1-me")
    sign_out.click()

    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    screenshot("2-signed-out")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    screenshot("3-home-again")
    assert_clean_console(console)


@pytest.mark.parametrize("viewport", ["phone"])  # not a flow: one size is enough
def test_back_after_sign_out_shows_no_signed_in_page(page: Page, world, console):
    page.goto("/login")
    sign_in(page, "ines")
    expect(page.get_by_role("heading", level=1)).to_have_text(HELLO)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Me", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Ines Field")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    page.go_back()
    expect(page).to_have_url(re.compile(r"/profile$"))
    page.wait_for_timeout(500)  # htmx restores a snapshot on popstate, or asks the server
    assert page.get_by_role("heading", name="Ines Field").count() == 0
    assert page.get_by_role("button", name="Sign out").count() == 0


def test_nav_links_are_separate_touch_targets(page: Page, world, console):
    page.goto("/login")
    sign_in(page, "ines")
    expect(page.get_by_role("heading", level=1)).to_have_text(HELLO)
    size = page.viewport_size
    nav = page.get_by_role("navigation", name="Main")
    boxes = {name: nav.get_by_role("link", name=name, exact=True).bounding_box()
             for name in ("Home", "Report", "Incidents", "Actions", "Me")}
    problems = []
    for name, b in boxes.items():
        if b["x"] < -0.5 or b["y"] < -0.5 or b["x"] + b["width"] > size["width"] + 0.5 \
                or b["y"] + b["height"] > size["height"] + 0.5:
            problems.append(f"{name} not inside the window: {b}")
        if b["height"] < 44 or b["width"] < 44:
            problems.append(f"{name} smaller than 44px: {b}")
    names = list(boxes)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            a, b = boxes[first], boxes[second]
            overlap_x = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
            overlap_y = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
            if overlap_x > 0.5 and overlap_y > 0.5:
                problems.append(f"{first} and {second} overlap: {a} {b}")
    assert problems == [], "\n".join(problems)


def test_pages_fit_the_window(page: Page, world, console):
    """No sideways scrolling (once 1040px wide at tablet size: side bar margin + max-width)."""
    page.goto(f"/login?next={world.location_url}")
    sign_in(page, "ines")
    expect(page.get_by_role("heading", level=1, name=world.location_name)).to_be_visible()
    too_wide = {}
    for url in ("/", "/sites/", "/sites/locations", world.location_url, "/profile"):
        page.goto(url)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            too_wide[url] = width
    assert too_wide == {}, f"pages wider than the window (scrollWidth, innerWidth): {too_wide}"


@pytest.mark.parametrize("viewport", ["phone"])  # not a flow: one size is enough
def test_csp_violations_are_caught(page: Page, world, console):
    """The console check is not vacuous: an inline script is refused by the CSP and reported."""
    page.goto("/login")
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__inline = 1";
        document.body.appendChild(s);
    }""")
    page.wait_for_timeout(100)
    assert page.evaluate("window.__inline") is None
    assert any("CSP violation: script-src" in e for e in console.errors), console.errors
