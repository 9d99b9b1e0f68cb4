"""DESIGN.md "Budgets" on demo data x100, through the Flask test client (throughput and
bytes over the wire through gunicorn: test_http.py).

Run with `make bench`. Every figure is printed (and repeated in a table at the end of the run);
every budget is asserted, so a regression fails `make bench`.
"""

import gzip
import logging
import os
import re
import statistics
import time
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.core.models import AuditEvent
from app.extensions import db
from app.inspections import answers
from app.inspections.models import ChecklistTemplate
from app.inspections.services import start_draft
from app.sites.models import Location, Site
from tests.bench.conftest import QueryCounter

pytestmark = pytest.mark.bench

# Budgets (DESIGN.md).
P50_MS, P95_MS = 15.0, 50.0
MAX_QUERIES = 10
KB = 1024
FIRST_LOAD_KB, FRAGMENT_KB = 60, 8

WARMUP, SAMPLES = 20, 200
MAX_SECONDS_PER_PAGE = 20.0  # a very slow page is sampled less (at least MIN_SAMPLES)
MIN_SAMPLES = 50
THROUGHPUT_SECONDS = 2.0
HTTP_CLIENTS = 4

FRAGMENT = {"HX-Request": "true", "HX-Target": "location_results"}
LOCATION_LINK = re.compile(r'href="/sites/locations/[0-9a-f-]{36}"')
AUDIT_ROW = re.compile(r"<time datetime=")

# (label, url, headers, admin only). "{site}" is the first demo site (Riverside Plaza);
# "{checklist}" the service standard checklist, with a draft of version 2 to build;
# "{version}" its version 1.
PAGES = [
    ("home", "/", None, False),
    ("locations", "/sites/locations", None, False),
    ("locations?q=Kitchen", "/sites/locations?q=Kitchen", None, False),
    ("locations fragment (htmx)", "/sites/locations", FRAGMENT, False),
    ("site page", "/sites/{site}", None, False),
    ("incidents", "/incidents/?status=open", None, False),
    ("actions", "/actions/?scope=all&status=", None, False),
    ("report form", "/incidents/report", None, False),
    ("checklists", "/inspections/templates", None, False),
    ("checklist builder", "/inspections/templates/{checklist}/builder", None, True),
    ("checklist preview", "/inspections/versions/{version}/preview", None, False),
    ("inspections", "/inspections/?scope=all", None, False),
    ("inspection being answered", "/inspections/{inspection}", None, False),
    ("admin users", "/admin/users", None, True),
    ("admin audit", "/admin/audit", None, True),
]
USERS = ("admin", "supervisor")


# --- helpers -----------------------------------------------------------------------------------

def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def kb(size: int) -> str:
    return f"{size / KB:.1f} KB"


def percentile(samples: list[float], pct: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1]


def timed_requests(client, url, headers=None):
    """Warm up, then time up to SAMPLES requests: (wall-clock ms, CPU ms of this process)."""
    headers = headers or {}
    for _ in range(WARMUP):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
    wall, cpu = [], []
    deadline = time.perf_counter() + MAX_SECONDS_PER_PAGE
    for _ in range(SAMPLES):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        if time.perf_counter() > deadline and len(wall) >= MIN_SAMPLES:
            break
    return wall, cpu


class AssetLinks(HTMLParser):
    """The stylesheets and scripts a page links."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def linked_assets(html: str) -> list[str]:
    parser = AssetLinks()
    parser.feed(html)
    return parser.urls


def requests_per_second(client, url, headers=None, seconds=THROUGHPUT_SECONDS) -> float:
    headers = headers or {}
    for _ in range(WARMUP):
        client.get(url, headers=headers)
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        count += 1
    return count / elapsed


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def data(bench_app, bench_report):
    """Facts about the seeded data, and the data-set line of the report."""
    report = bench_report.line
    with bench_app.app_context():
        sites = db.session.scalars(select(Site).order_by(Site.id)).all()

        def located(site):
            return db.session.scalar(select(func.count(Location.id))
                                     .where(Location.site_id == site.id))

        first, second = sites[0], sites[1]
        service = db.session.scalar(select(ChecklistTemplate).where(
            ChecklistTemplate.title == "Service standard check"))
        version = service.published.id
        start_draft(service, by=db.session.scalar(select(User).filter_by(username="admin")))
        supervisor = db.session.scalar(select(User).filter_by(username="supervisor"))
        with bench_app.test_request_context():
            inspection = answers.start(service, db.session.scalar(
                select(Location).where(Location.site_id == first.id).order_by(Location.id)),
                by=supervisor)
        db.session.commit()
        facts = {
            "checklist": service.id,
            "inspection": inspection.id,
            "version": version,
            "sites": len(sites),
            "locations": db.session.scalar(select(func.count(Location.id))),
            "users": db.session.scalar(select(func.count(User.id))),
            "audit": db.session.scalar(select(func.count(AuditEvent.id))),
            "site_many": (first.id, first.code, located(first)),
            "site_few": (second.id, second.code, located(second)),
            "dialect": db.engine.dialect.name,
        }
    seconds = bench_app.extensions["bench_seed_seconds"]
    report("Data", f"demo data x100 on {facts['dialect']}: {facts['sites']} sites, "
                   f"{facts['locations']} locations, {facts['users']} users, "
                   f"{facts['audit']} audit events (seeded in {seconds:.1f} s)")
    report("Data", f"measured as admin (all {facts['sites']} sites) and supervisor (2 sites); "
                   f"{os.cpu_count()} CPUs, load average at start "
                   + " / ".join(f"{n:.2f}" for n in os.getloadavg()))
    return facts


def url_of(template: str, data) -> str:
    return template.format(site=data["site_many"][0], checklist=data["checklist"],
                           version=data["version"], inspection=data["inspection"])


# --- server time and queries per page ----------------------------------------------------------

@pytest.fixture(scope="module")
def page_table(bench_report):
    report = bench_report.line
    report("Server time and SQL queries per request",
           f"{WARMUP} warm-up + up to {SAMPLES} timed requests each; budget (wall clock) "
           f"p50 <= {P50_MS:g} ms, p95 <= {P95_MS:g} ms, queries <= {MAX_QUERIES} "
           "(BEGIN/COMMIT not counted); cpu p50 = CPU time of this process, for comparison "
           "when the machine is busy")
    report("Server time and SQL queries per request",
           f"{'user':<11}{'page':<28}{'status':>6}{'n':>5}{'bytes':>8}{'p50 ms':>8}"
           f"{'p95 ms':>8}{'max ms':>8}{'cpu p50':>8}{'queries':>8}  result")


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("label,url,headers,admin_only", PAGES, ids=[p[0] for p in PAGES])
def test_server_time_and_queries(clients, data, page_table, count_queries, bench_report, user,
                                 label, url, headers, admin_only):
    report, verdict = bench_report.line, bench_report.verdict
    client = clients[user]
    url = url_of(url, data)
    section = "Server time and SQL queries per request"
    if admin_only and user != "admin":
        quiet, level = client.application.logger, client.application.logger.level
        quiet.setLevel(logging.ERROR)  # the refusal is logged as a warning: expected here
        try:
            response = client.get(url, headers=headers or {})
        finally:
            quiet.setLevel(level)
        report(section, f"{user:<11}{label:<28}{response.status_code:>6}  (not permitted; "
                        "not timed)")
        assert response.status_code == 403
        return
    times, cpu = timed_requests(client, url, headers)
    response, counter = count_queries(client, url, headers)
    p50, p95 = percentile(times, 50), percentile(times, 95)
    ok_time = p50 <= P50_MS and p95 <= P95_MS
    ok_queries = counter.count <= MAX_QUERIES
    result = ", ".join(filter(None, [
        "ok" if ok_time and ok_queries else "",
        "" if ok_time else "TIME OVER BUDGET",
        "" if ok_queries else "QUERIES OVER BUDGET",
    ]))
    report(section, f"{user:<11}{label:<28}{response.status_code:>6}{len(times):>5}"
                    f"{len(response.data):>8}{p50:>8.1f}{p95:>8.1f}{max(times):>8.1f}"
                    f"{percentile(cpu, 50):>8.1f}{counter.count:>8}  {result}")
    verdict(f"server time {user} {label}", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms", ok_time)
    verdict(f"queries {user} {label}", f"{counter.count} queries", ok_queries)
    assert ok_queries, (f"{counter.count} queries > {MAX_QUERIES} for {url} as {user}:\n"
                        + "\n".join(counter.statements))
    assert ok_time, f"{url} as {user}: p50 {p50:.1f} ms, p95 {p95:.1f} ms"


# --- queries independent of the rows shown -----------------------------------------------------

def test_queries_independent_of_rows(clients, data, count_queries, bench_report):
    """The same page with many, few or no rows costs the same number of queries."""
    report, verdict = bench_report.line, bench_report.verdict
    section = "SQL queries vs rows shown (admin)"
    client = clients["admin"]
    per_page = 25
    last = -(-data["locations"] // per_page)
    many_id, many_code, many_n = data["site_many"]
    few_id, few_code, few_n = data["site_few"]
    cases = {
        "locations list": [
            ("page 1", "/sites/locations?page=1", LOCATION_LINK),
            (f"page {last // 2}", f"/sites/locations?page={last // 2}", LOCATION_LINK),
            (f"site {many_code} filter", f"/sites/locations?site={many_id}", LOCATION_LINK),
            (f"site {few_code} filter", f"/sites/locations?site={few_id}", LOCATION_LINK),
            (f"page {last + 1} (past the end)", f"/sites/locations?page={last + 1}",
             LOCATION_LINK),
        ],
        "site page": [
            (f"{many_code} ({many_n} locations)", f"/sites/{many_id}", LOCATION_LINK),
            (f"{few_code} ({few_n} locations)", f"/sites/{few_id}", LOCATION_LINK),
        ],
        "audit log": [
            ("page 1", "/admin/audit?page=1", AUDIT_ROW),
            ("page 20", "/admin/audit?page=20", AUDIT_ROW),
            ("last page", f"/admin/audit?page={-(-data['audit'] // 50)}", AUDIT_ROW),
            ("past the end", "/admin/audit?page=100000", AUDIT_ROW),
        ],
    }
    report(section, f"{'page':<16}{'case':<34}{'rows':>6}{'queries':>9}")
    failures = []
    for page, rows in cases.items():
        counts = {}
        for case, url, row_pattern in rows:
            client.get(url)  # warm
            response, counter = count_queries(client, url)
            assert response.status_code == 200, (url, response.status_code)
            shown = len(row_pattern.findall(response.get_data(as_text=True)))
            counts[case] = (shown, counter.count, counter.statements)
            report(section, f"{page:<16}{case:<34}{shown:>6}{counter.count:>9}")
        with_rows = {n for shown, n, _ in counts.values() if shown}
        without_rows = {n for shown, n, _ in counts.values() if not shown}
        ok = len(with_rows) == 1 and all(n <= min(with_rows) for n in without_rows)
        verdict(f"queries independent of rows: {page}",
                ", ".join(f"{shown} rows: {n}" for shown, n, _ in counts.values()), ok)
        if not ok:
            failures.append(page + ":\n" + "\n".join(
                f"  {case} ({shown} rows): {n} queries\n    " + "\n    ".join(statements)
                for case, (shown, n, statements) in counts.items()))
    assert not failures, "query count depends on the rows shown:\n" + "\n".join(failures)


# --- size --------------------------------------------------------------------------------------

@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("label,url", [("home", "/"), ("locations", "/sites/locations")])
def test_first_load_size(clients, bench_report, user, label, url):
    report, verdict = bench_report.line, bench_report.verdict
    section = f"First load, gzip -6 (budget <= {FIRST_LOAD_KB} KB; 1 KB = 1024 bytes)"
    client = clients[user]
    response = client.get(url)
    assert response.status_code == 200
    html = response.data
    parts = [(f"HTML {url}", len(html), gz(html))]
    assets = linked_assets(html.decode())
    assert any(".css" in a for a in assets) and any(".js" in a for a in assets), assets
    for asset in assets:
        asset_response = client.get(asset)
        assert asset_response.status_code == 200, (asset, asset_response.status_code)
        body = asset_response.get_data()
        asset_response.close()
        parts.append((asset.split("?")[0], len(body), gz(body)))
    total = sum(size for _, _, size in parts)
    report(section, f"{label} as {user}:")
    for name, raw, packed in parts:
        report(section, f"    {name:<36}{kb(raw):>10} raw {kb(packed):>10} gz")
    ok = total <= FIRST_LOAD_KB * KB
    report(section, f"    {'total':<36}{kb(sum(r for _, r, _ in parts)):>10} raw "
                    f"{kb(total):>10} gz   {'ok' if ok else 'OVER BUDGET'}")
    verdict(f"first load {label} as {user}", f"{kb(total)} gz", ok)
    assert ok, f"first load of {url} as {user}: {kb(total)} > {FIRST_LOAD_KB} KB"


@pytest.mark.parametrize("user", USERS)
def test_fragment_size(clients, bench_report, user):
    report, verdict = bench_report.line, bench_report.verdict
    section = f"htmx fragment, gzip -6 (budget <= {FRAGMENT_KB} KB)"
    response = clients[user].get("/sites/locations", headers=FRAGMENT)
    assert response.status_code == 200
    html = response.data
    assert b"<html" not in html and b'id="location_results"' in html, "not a fragment"
    size = gz(html)
    ok = size <= FRAGMENT_KB * KB
    report(section, f"/sites/locations fragment as {user:<11}{kb(len(html)):>10} raw "
                    f"{kb(size):>10} gz   {'ok' if ok else 'OVER BUDGET'}")
    verdict(f"fragment size as {user}", f"{kb(size)} gz", ok)
    assert ok, f"fragment as {user}: {kb(size)} > {FRAGMENT_KB} KB"


@dataclass
class PageFigures:
    """One page measured: its timings (ms), its size, its queries and the verdict on them."""

    n: int
    size: int
    p50: float
    p95: float
    queries: int
    statements: list[str]

    @property
    def ok_time(self) -> bool:
        return self.p50 <= P50_MS and self.p95 <= P95_MS

    @property
    def ok_queries(self) -> bool:
        return self.queries <= MAX_QUERIES

    @property
    def result(self) -> str:
        return "ok" if self.ok_time and self.ok_queries else ", ".join(filter(None, [
            "" if self.ok_time else "TIME OVER BUDGET",
            "" if self.ok_queries else "QUERIES OVER BUDGET"]))

    def row(self, user: str, label: str) -> str:
        return (f"{user:<11}{label:<34}{self.n:>5}{self.size:>8}{self.p50:>8.1f}"
                f"{self.p95:>8.1f}{self.queries:>8}  {self.result}")


def measure_page(bench_app, client, url: str) -> PageFigures:
    """Time a page (timed_requests), then count the queries of one more request."""
    times, _cpu = timed_requests(client, url)
    with bench_app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        response = client.get(url)
    return PageFigures(len(times), len(response.data), percentile(times, 50),
                       percentile(times, 95), counter.count, counter.statements)
