"""How fast an oversized request is refused (the field-ready core): 12 photos of 6300 x 6300
blank RGBA PNG (40 MP each, 154 KB on the wire) sent to the incident report as staff. Before
the photo budget this held a worker for about 30 s and ended in a worker timeout."""

import time
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.incidents.models import IncidentType
from tests.helpers import hidden_fields

pytestmark = pytest.mark.bench

BUDGET_MS = 1000  # "refused with a clear message in well under a second"


def test_twelve_huge_photos_are_refused_at_once(bench_app, fixtures, bench_report):
    out = BytesIO()
    Image.new("RGBA", (6300, 6300)).save(out, "PNG")
    blank = out.getvalue()
    client = bench_app.test_client()
    with bench_app.app_context():
        staff = db.session.scalar(select(User).where(User.username == "staff"))
        site_id = staff.sites[0].id
        type_id = db.session.scalar(select(IncidentType.id).limit(1))
    fixtures.sign_in(bench_app, client, staff)
    timings = []
    for _ in range(5):
        page = client.get("/incidents/report").text
        hidden = hidden_fields(page, "csrf_token", "idempotency_key")
        started = time.perf_counter()
        response = client.post("/incidents/report", data={
            **hidden, "type": type_id, "severity": "low", "site": site_id,
            "occurred_at": "2026-11-22T09:15", "description": "Twelve blank photos",
            "photos": [(BytesIO(blank), f"p{n}.png") for n in range(12)]},
            content_type="multipart/form-data")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 422 and "Send at most" in response.text
    worst = max(timings)
    ok = worst < BUDGET_MS
    bench_report.line("Refusals", f"12 x 40 MP blank PNG ({12 * len(blank) / 1024:.0f} KB) to "
                                  f"the report form: refused in {min(timings):.0f}-{worst:.0f} ms "
                                  f"(budget < {BUDGET_MS} ms)")
    bench_report.verdict("12 huge photos refused", f"{worst:.0f} ms", ok)
    assert ok
