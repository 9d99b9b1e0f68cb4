"""Scheduled rounds at scale (demo data x100, plus): 500 schedules over 5,000 locations (five a
site, ten locations each) and a year of history at the first demo site (a round a day at each
of its fifty locations: ~18,000 inspections, ~100,000 answers). Today (the inspector), the
board and the history list (the supervisor) within DESIGN.md's budgets; the CSV export of
every answer streamed in bounded memory (its peak reported)."""

import time
import tracemalloc
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock

import pytest
from sqlalchemy import func, insert, select

from app.auth.models import User
from app.core.models import utcnow
from app.extensions import db
from app.inspections.models import ChecklistTemplate, Inspection, InspectionAnswer
from app.rounds import recurrence, services
from app.rounds.models import RoundRule, RoundSchedule, RoundVisit
from app.sites.models import Area, Location, Site
from tests.bench.test_budgets import measure_page

pytestmark = pytest.mark.bench

SECTION = "Scheduled rounds: 500 schedules over 5,000 locations, a year of history"
SITES, LOCATIONS_PER_SITE, SCHEDULES_PER_SITE, LOCATIONS_PER_SCHEDULE = 100, 50, 5, 10
HISTORY_DAYS = 365
CSV_PEAK_MB = 50  # bounded: the export's own allocations, whatever the number of rows


def _fill_locations(site: Site) -> list[int]:
    """The site's locations, topped up to LOCATIONS_PER_SITE in its first area."""
    have = db.session.scalar(select(func.count(Location.id)).where(Location.site_id == site.id))
    area = db.session.scalar(select(Area).where(Area.site_id == site.id).order_by(Area.id))
    now = utcnow()
    rows = [{"site_id": site.id, "area_id": area.id, "name": f"Round point {n}",
             "code": f"RP-{n:03d}", "notes": "", "active": True, "public_id": uuid.uuid4(),
             "created_at": now, "updated_at": now}
            for n in range(have, LOCATIONS_PER_SITE)]
    if rows:
        db.session.execute(insert(Location), rows)
    return list(db.session.scalars(select(Location.id).where(Location.site_id == site.id)
                                   .order_by(Location.id)))


def _schedules(site, template, location_ids, supervisor, a_year_ago) -> list[RoundSchedule]:
    made = []
    for number in range(SCHEDULES_PER_SITE):
        chosen = location_ids[number * LOCATIONS_PER_SCHEDULE:
                              (number + 1) * LOCATIONS_PER_SCHEDULE]
        times = [["08:00"], ["07:00", "15:00"], ["09:00"], ["13:00"], ["06:00", "18:00"]][number]
        rule = services.RuleFields(
            frequency="daily", times=times, weekdays=[], month_day=None, month_ordinal=None,
            month_weekday=None, window_minutes=120, grace_minutes=60, location_ids=chosen,
            assignee_id=None, assignee_role="inspector", starts_on=a_year_ago, ends_on=None)
        made.append(services.create_schedule(site, template, rule, by=supervisor))
    return made


def _history(site, schedule: RoundSchedule, template, inspector, first_day: date) -> int:
    """The schedule's first round of each day for HISTORY_DAYS at each of its locations:
    most on time, some late, one in ten missed; an answer to each question. In bulk."""
    version = template.published
    keys = [q.key for q in version.questions]
    zone = recurrence.zone_of(site.timezone)
    hour, minute = (int(part) for part in schedule.rule.times[0].split(":"))
    count = 0
    for day_number in range(HISTORY_DAYS):
        day = first_day + timedelta(days=day_number)
        opens = recurrence.to_utc(datetime.combine(day, clock(hour, minute)), zone)
        batch = []
        for index, location_id in enumerate(schedule.rule.location_ids):
            if (day_number + index) % 10 == 0:
                continue  # missed
            late = (day_number + index) % 7 == 0
            done = opens + timedelta(hours=3 if late else 1)
            batch.append({"reference": f"INS-B-{schedule.id}-{day_number}-{index}",
                          "public_id": uuid.uuid4(), "template_id": template.id,
                          "version_id": version.id, "site_id": site.id,
                          "location_id": location_id, "inspector_id": inspector.id,
                          "status": "completed", "started_at": opens + timedelta(minutes=20),
                          "completed_at": done, "points": 5 + (index % 3), "possible": 7,
                          "passed": index % 3 > 0, "reopen_count": 0, "created_at": opens,
                          "updated_at": done})
        ids = db.session.scalars(insert(Inspection).returning(
            Inspection.id, sort_by_parameter_order=True), batch).all()
        db.session.execute(insert(RoundVisit), [
            {"inspection_id": inspection_id, "schedule_id": schedule.id,
             "location_id": row["location_id"], "opens_at": opens}
            for inspection_id, row in zip(ids, batch, strict=True)])
        db.session.execute(insert(InspectionAnswer), [
            {"inspection_id": inspection_id, "question_key": key,
             "value": "fail" if (inspection_id + n) % 9 == 0 else "pass",
             "failed": (inspection_id + n) % 9 == 0, "note": "", "answered_by_id": inspector.id}
            for inspection_id in ids for n, key in enumerate(keys)])
        count += len(ids)
    return count


@pytest.fixture(scope="module")
def rounds_data(bench_app, bench_report, fixtures):
    started = time.perf_counter()
    with bench_app.app_context(), bench_app.test_request_context():
        inspector = db.session.scalar(select(User).filter_by(username="inspector"))
        template = db.session.scalar(select(ChecklistTemplate).filter_by(
            title="Site hygiene check"))
        sites = db.session.scalars(select(Site).order_by(Site.id)).all()
        a_year_ago = date.today() - timedelta(days=HISTORY_DAYS)
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        first_schedules = []
        for number, site in enumerate(sites[:SITES]):
            made = _schedules(site, template, _fill_locations(site), admin, a_year_ago)
            if number == 0:
                first_schedules = made
        # in force for the whole year (made today, they would start today)
        db.session.execute(RoundRule.__table__.update().values(
            effective_from=datetime.combine(a_year_ago, clock()) - timedelta(hours=8)))
        db.session.commit()
        history = sum(_history(sites[0], schedule, template, inspector, a_year_ago)
                      for schedule in first_schedules)
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        facts = {
            "site": sites[0].id, "template": template.id, "inspector": inspector.id,
            "location": first_schedules[0].rule.location_ids[0],
            "schedules": db.session.scalar(select(func.count(RoundSchedule.id))),
            "locations": db.session.scalar(select(func.count(func.distinct(Location.id))).where(
                Location.site_id.in_([s.id for s in sites[:SITES]]))),
            "inspections": history,
            "answers": db.session.scalar(select(func.count(InspectionAnswer.id))),
        }
        inspector_client = bench_app.test_client()
        fixtures.sign_in(bench_app, inspector_client, inspector)
    bench_report.line(SECTION, f"{facts['schedules']} schedules, {facts['locations']} "
                               f"locations, {facts['inspections']} inspections of a year at "
                               f"the first site, {facts['answers']} answers (seeded in "
                               f"{time.perf_counter() - started:.1f} s)")
    bench_report.line(SECTION, f"{'user':<11}{'page':<34}{'n':>5}{'bytes':>8}{'p50 ms':>8}"
                               f"{'p95 ms':>8}{'queries':>8}  result")
    facts["inspector_client"] = inspector_client
    return facts


PAGES = [
    ("inspector", "Today", "/rounds/", True),
    ("inspector", "home (today's rounds)", "/", True),
    ("supervisor", "home (today's counts)", "/", True),
    ("supervisor", "board, a day", "/rounds/board?site={site}", True),
    ("supervisor", "board, a week", "/rounds/board?site={site}&view=week", True),
    ("supervisor", "history, all at my sites", "/inspections/?scope=all", True),
    ("supervisor", "history, a checklist", "/inspections/?scope=all&template={template}", True),
    ("supervisor", "history, an inspector",
     "/inspections/?scope=all&inspector={inspector}", True),
    ("supervisor", "history, a location", "/inspections/?scope=all&location={location}", True),
    ("supervisor", "history, a month",
     "/inspections/?scope=all&since={month_ago}&until={today}", True),
    ("supervisor", "figures, 8 weeks", "/rounds/figures?site={site}&template={template}",
     False),
    ("admin", "home (counts of 100 sites)", "/", False),
]


@pytest.mark.parametrize("user,label,url,budgeted", PAGES, ids=[p[1] for p in PAGES])
def test_rounds_pages(rounds_data, clients, bench_app, bench_report, user, label, url,
                      budgeted):
    client = rounds_data["inspector_client"] if user == "inspector" else clients[user]
    today = date.today()
    url = url.format(site=rounds_data["site"], template=rounds_data["template"],
                     inspector=rounds_data["inspector"], location=rounds_data["location"],
                     month_ago=(today - timedelta(days=30)).isoformat(), today=today)
    page = measure_page(bench_app, client, url)
    bench_report.line(SECTION, page.row(user, label) + ("" if budgeted else " (figure only)"))
    if budgeted:
        ok = page.ok_time and page.ok_queries
        bench_report.verdict(f"rounds: {user} {label}", f"p50 {page.p50:.1f} ms, p95 "
                                                        f"{page.p95:.1f} ms, {page.queries} "
                                                        "queries", ok)
        assert page.ok_queries, "\n".join(page.statements)
        assert page.ok_time, f"{url}: p50 {page.p50:.1f} ms, p95 {page.p95:.1f} ms"


def test_the_csv_of_a_year_of_answers_streams_in_bounded_memory(rounds_data, clients,
                                                                  bench_report):
    client = clients["supervisor"]
    url = f"/inspections/answers.csv?scope=all&site={rounds_data['site']}"
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    size, lines = 0, 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = peak / 1024 / 1024
    bench_report.line(SECTION, f"CSV of every answer at the site: {lines - 1} rows, "
                               f"{size / 1024 / 1024:.1f} MB in {seconds:.1f} s, peak memory "
                               f"{peak_mb:.1f} MB (budget {CSV_PEAK_MB} MB)")
    ok = bench_report.verdict("rounds: CSV export in bounded memory",
                              f"{lines - 1} rows, peak {peak_mb:.1f} MB", peak_mb <= CSV_PEAK_MB)
    assert lines - 1 >= 100_000 and ok
