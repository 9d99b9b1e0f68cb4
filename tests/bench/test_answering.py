"""Saving one answer of a 100-question inspection (demo data x100, as the supervisor): the
fragment it returns (<= 8 KB raw), its SQL queries (<= 10) and its server time (p50 <= 15 ms,
p95 <= 50 ms), alternating pass and fail so that its follow-up appears and goes."""

import gzip
import time

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.inspections import answers, documents, services
from app.inspections.demo import checklist, q
from app.sites.models import Location
from tests.bench.conftest import QueryCounter
from tests.bench.test_budgets import FRAGMENT_KB, MAX_QUERIES, P50_MS, P95_MS, percentile
from tests.conftest import csrf_from

pytestmark = pytest.mark.bench

SECTION = "Saving one answer of a 100-question inspection (supervisor, htmx)"
KINDS = ("pass_fail", "yes_no", "number", "text")


def _hundred_questions() -> dict:
    sections = []
    for s in range(10):
        questions = []
        for n in range(10):
            kind = KINDS[(s * 10 + n) % len(KINDS)]
            limits = {"lower": 0.0, "upper": 10.0, "unit": "bar"} if kind == "number" else {}
            questions.append(q(f"b{s}-{n}", kind, f"Check {s}.{n}", f"检查 {s}.{n}",
                               note=True, **limits))
        # a follow-up on the first question of each section
        questions.append(q(f"b{s}-f", "text", f"What failed in {s}?", f"{s} 哪里不合格？",
                           show_if=(f"b{s}-0", "failure")))
        sections.append((f"Section {s}", f"第 {s} 部分", questions))
    return checklist("Hundred questions", "一百个问题", "", "", sections)


@pytest.fixture(scope="module")
def inspection_url(bench_app, clients):
    with bench_app.app_context():
        supervisor = db.session.scalar(select(User).filter_by(username="supervisor"))
        draft, problems = documents.read_document(_hundred_questions())
        assert not problems, problems.items
        with bench_app.test_request_context():
            template = documents.import_document(draft, all_sites=True, sites=[],
                                                 by=supervisor)
            services.publish(template, change_note="Bench", by=supervisor)
            location = db.session.scalar(select(Location).where(
                Location.site_id == supervisor.site_ids[0]).order_by(Location.id))
            inspection = answers.start(template, location, by=supervisor)
            db.session.commit()
            return f"/inspections/{inspection.id}"


def test_saving_one_answer(clients, inspection_url, bench_app, bench_report):
    client = clients["supervisor"]
    page = client.get(inspection_url)
    assert page.status_code == 200
    token = csrf_from(page.text)
    headers = {"HX-Request": "true", "HX-Target": "q-b0-0", "X-CSRFToken": token}
    with bench_app.app_context():
        engine = db.engine
    values = ("pass", "fail")
    times, sizes = [], []
    for n in range(120):
        data = {"answer-b0-0": values[n % 2], "note-b0-0": "", "idempotency_key": f"bench-{n}"}
        started = time.perf_counter()
        if n == 60:
            with QueryCounter(engine) as counter:
                response = client.post(f"{inspection_url}/answers/b0-0", data=data,
                                       headers=headers)
        else:
            response = client.post(f"{inspection_url}/answers/b0-0", data=data,
                                   headers=headers)
        if n >= 20:
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        sizes.append(len(response.data))
    p50, p95 = percentile(times, 50), percentile(times, 95)
    raw = max(sizes)
    packed = len(gzip.compress(response.data, compresslevel=6))
    line, verdict = bench_report.line, bench_report.verdict
    line(SECTION, f"p50 {p50:.1f} ms, p95 {p95:.1f} ms; fragment {raw / 1024:.1f} KB raw, "
                  f"{packed / 1024:.1f} KB gzip; {counter.count} queries")
    ok_time = verdict("answer save time", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
                      p50 <= P50_MS and p95 <= P95_MS)
    ok_size = verdict("answer save fragment <= 8 KB", f"{raw / 1024:.1f} KB raw",
                      raw <= FRAGMENT_KB * 1024)
    ok_queries = verdict("answer save queries", f"{counter.count} queries",
                         counter.count <= MAX_QUERIES)
    assert ok_time and ok_size and ok_queries, "\n".join(counter.statements)


def test_the_answering_page_of_100_questions(clients, inspection_url, bench_report):
    """A figure, not a verdict: DESIGN.md's page budget is for the demo data (checklists of
    7 to 9 questions, measured with the other pages); a 100-question page is printed to be
    watched (18.9 ms when first measured: the templates of a hundred question parts)."""
    from tests.bench.test_budgets import timed_requests

    times, _cpu = timed_requests(clients["supervisor"], inspection_url)
    p50, p95 = percentile(times, 50), percentile(times, 95)
    over = "" if p50 <= P50_MS else f" (over the {P50_MS:g} ms page budget)"
    bench_report.line(SECTION, f"the answering page of 100 questions: p50 {p50:.1f} ms, "
                               f"p95 {p95:.1f} ms{over}")
