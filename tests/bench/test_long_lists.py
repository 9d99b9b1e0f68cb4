"""Long lists at 200,000 incidents (demo data x100: `seed-demo --scale 100`), as the
supervisor of the two demo sites, through the test client: the first page, a page as deep as
the 1000th page of 25, and searches through the full-text index.

Budgets: the list p50 <= 15 ms (DESIGN.md), the deep page <= 2x the first, a search <= 50 ms.
"""

import pytest
from sqlalchemy import func, select

from app.core.pagination import _encode
from app.extensions import db
from app.incidents.models import Incident
from tests.bench.test_budgets import P50_MS, percentile, timed_requests

pytestmark = pytest.mark.bench

SEARCH_MS = 50.0
DEPTH = 1000 * 25  # rows before the deep page: the 1000th page of 25
SEARCHES = [("a word", "leak"), ("a Chinese word", "漏水"), ("a Chinese phrase", "设备故障"),
            ("a word, open only", "leak&status=open"), ("a word that matches nothing",
                                                         "gearbox")]
SECTION = "Long lists at 200,000 incidents (supervisor, 2 sites)"


@pytest.fixture(scope="module")
def lists(bench_app, bench_report):
    with bench_app.app_context():
        total = db.session.scalar(select(func.count(Incident.id)))
        deep = db.session.execute(select(Incident.created_at, Incident.id).order_by(
            Incident.created_at.desc(), Incident.id.desc()).offset(DEPTH).limit(1)).one()
        reference = db.session.scalar(select(Incident.reference).order_by(Incident.id)
                                      .offset(total // 2).limit(1))
    bench_report.line(SECTION, f"{total} incidents; p50 of up to 200 requests each")
    return {"total": total, "deep": _encode(tuple(deep)), "reference": reference}


def _p50(client, url) -> float:
    times, _cpu = timed_requests(client, url)
    return percentile(times, 50)


def test_the_list_and_a_deep_page(clients, lists, bench_report):
    client = clients["supervisor"]
    first = _p50(client, "/incidents/")
    deep = _p50(client, f"/incidents/?older={lists['deep']}")
    line, verdict = bench_report.line, bench_report.verdict
    line(SECTION, f"{'incidents, first page':<36}p50 {first:6.1f} ms")
    line(SECTION, f"{'incidents, 25,000 rows deep':<36}p50 {deep:6.1f} ms "
                  f"({deep / first:.2f}x the first)")
    ok_first = verdict("incident list p50 at 200,000", f"{first:.1f} ms", first <= P50_MS)
    ok_deep = verdict("deep page <= 2x the first", f"{deep / first:.2f}x", deep <= 2 * first)
    assert ok_first and ok_deep


@pytest.mark.parametrize("label,query", SEARCHES, ids=[s[0] for s in SEARCHES])
def test_searches(clients, lists, bench_report, label, query):
    p50 = _p50(clients["supervisor"], f"/incidents/?q={query}")
    bench_report.line(SECTION, f"{'search: ' + label:<36}p50 {p50:6.1f} ms  (q={query})")
    assert bench_report.verdict(f"search {label}", f"{p50:.1f} ms", p50 <= SEARCH_MS)


def test_a_reference_search(clients, lists, bench_report):
    p50 = _p50(clients["supervisor"], f"/incidents/?q={lists['reference']}")
    bench_report.line(SECTION, f"{'search: a reference':<36}p50 {p50:6.1f} ms  "
                               f"(q={lists['reference']})")
    assert bench_report.verdict("search a reference", f"{p50:.1f} ms", p50 <= SEARCH_MS)
