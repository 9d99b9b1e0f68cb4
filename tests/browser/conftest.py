"""Browser fixtures (DESIGN.md "Tests"): a live server on 127.0.0.1 and Debian's chromium.

The live server serves the function-scoped `app` fixture of tests/conftest.py, so every test
starts from empty tables; seed data with `make_site` / `make_user` before the browser arrives.
Playwright's sync API is used directly (no pytest-playwright), and it never downloads a browser:
it launches /usr/bin/chromium.
"""

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from app.sites.models import Location
from tests.conftest import make_site, make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"

VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
    "tablet": {"viewport": {"width": 1024, "height": 768}},
}

# Chromium reports CSP violations in the console; this makes sure each one is also reported with
# its directive, whatever the message wording (an init script is not subject to the page's CSP).
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.sourceFile ? " at " + e.sourceFile + ":" + e.lineNumber + ":" + e.columnNumber : "";
  var target = e.target && e.target.outerHTML ? " on " + e.target.outerHTML.slice(0, 120) : "";
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                + where + target + " (page " + location.pathname + location.search + ")");
});
"""

expect.set_options(timeout=5_000)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run make test (it installs it), or "
                    "sudo apt-get install chromium fonts-noto-cjk")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """`app` served by werkzeug on 127.0.0.1, a random port, in a daemon thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    """Every flow runs at phone and at tablet size."""
    return request.param


@dataclass
class Console:
    """Errors seen in the browser: console.error messages (CSP violations included), page errors."""

    errors: list[str] = field(default_factory=list)
    # Answers the walk provokes on purpose (a wrong password is a 422).
    expected: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.expected)]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser, live_server, viewport, console, request) -> Page:
    context = browser.new_context(base_url=live_server, locale="en-US",
                                  timezone_id="Asia/Shanghai", **VIEWPORTS[viewport])
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and console.errors.append(
        f"console: {m.text} ({m.location.get('url', '')})"))
    page.on("pageerror", lambda e: console.errors.append(f"pageerror: {e}"))
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        shoot(page, request, "failure")
    context.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def shoot(page: Page, request, step: str) -> Path:
    """tests/browser/artifacts/<test>-<viewport>-<step>.png"""
    ARTIFACTS.mkdir(exist_ok=True)
    test = request.node.originalname.removeprefix("test_")
    viewport = request.node.callspec.params.get("viewport", "none")
    path = ARTIFACTS / f"{test}-{viewport}-{step}.png"
    # caret="initial": the default ("hide") leaves style="" on every input, and htmx's settle
    # then copies that attribute, which the CSP (no inline styles) rightly refuses.
    page.screenshot(path=str(path), full_page=False, caret="initial")
    return path


@pytest.fixture
def screenshot(page, request):
    """screenshot("step") saves the page as it is now."""
    return lambda step: shoot(page, request, step)


@dataclass
class World:
    site: object
    user: object
    location_url: str
    location_name: str


@pytest.fixture
def world(app) -> World:
    """One site with two areas (a location in each) and an inspector assigned to it."""
    site = make_site(app, name="North Plant", code="NPL", areas=("Boiler room", "Warehouse"))
    user = make_user(app, username="ines", name="Ines Field", roles=("inspector",), sites=[site])
    with app.app_context():
        public_id = db.session.scalar(
            select(Location.public_id).where(Location.site_id == site.id, Location.code == "L1"))
    return World(site=site, user=user, location_url=f"/sites/locations/{public_id}",
                 location_name="Boiler room point")


@pytest.fixture
def patrol(app, world):
    """The demo checklists, published for all sites; an admin and a supervisor of the site."""
    from app.inspections.demo import seed_checklists

    admin = make_user(app, username="boss", roles=("admin",))
    make_user(app, username="sue", name="Sue Visor", roles=("supervisor",), sites=[world.site])
    with app.test_request_context():
        seed_checklists(db.session.get(type(admin), admin.id))
        db.session.commit()
