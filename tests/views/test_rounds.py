"""Scheduled rounds through the test client: a supervisor schedules one, the inspector sees it
in Today and does it from there, the board shows what was done, late or missed, and
rounds-check tells supervisors of a missed round once. The clock is set by the test."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEvent, Notification
from app.extensions import db
from app.inspections import answers
from app.inspections.models import Inspection
from app.rounds.models import RoundSchedule, RoundVisit
from tests.conftest import csrf_from, make_user, sign_in
from tests.helpers import first_location, image_bytes, make_checklist, make_schedule

# The test site is in Asia/Shanghai (UTC+8): the helper's round opens at 08:00 (00:00 UTC),
# is due at 10:00 and missed from 11:00.
OPENS = datetime(2026, 12, 1, 0, 0)


@pytest.fixture
def clock(monkeypatch):
    """clock.now = a UTC time: what rounds, starting and completing take as now."""
    from app.inspections import answers as answer_services
    from app.rounds import registrations, services, views

    holder = type("Clock", (), {"now": OPENS})()
    for module in (views, services, registrations, answer_services):
        monkeypatch.setattr(module, "utcnow", lambda: holder.now)
    return holder


@pytest.fixture
def people(app, site):
    supervisor = make_user(app, username="sue", name="Sue Visor", roles=("supervisor",),
                           sites=[site])
    inspector = make_user(app, username="ines", name="Ines Field", roles=("inspector",),
                          sites=[site])
    return supervisor, inspector


@pytest.fixture
def published(app, site, people):
    return make_checklist(app, site, people[0], publish=True)["template_id"]


def _sign_in(app, client, username):
    """Signed in as one of `people`; their CSRF token."""
    from app.auth.models import User

    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
    sign_in(app, client, user)
    return csrf_from(client.get("/profile").text)


def test_a_supervisor_schedules_a_round(app, client, site, people, published, clock):
    token = _sign_in(app, client, "sue")
    page = client.get(f"/rounds/schedules/new?site={site.id}")
    assert page.status_code == 200 and "Hygiene check" in page.text
    location = first_location(app, site)
    fields = {"csrf_token": token, "template": published, "location_ids": location.id,
              "frequency": "weekly", "times": "eight", "window_minutes": "120",
              "grace_minutes": "60", "assignee": "role:inspector", "starts_on": "2026-12-01"}
    bad = client.post(f"/rounds/schedules/new?site={site.id}", data=fields)
    assert bad.status_code == 422
    assert "“eight” is not a time: write times such as 08:00." in bad.text
    assert 'value="eight"' in bad.text  # kept
    no_days = client.post(f"/rounds/schedules/new?site={site.id}",
                          data={**fields, "times": "8:00, 14:30"})
    assert no_days.status_code == 422 and "Choose the weekdays." in no_days.text
    made = client.post(f"/rounds/schedules/new?site={site.id}", data={
        **fields, "times": "14:30，8:00", "weekdays": ["0", "3"]})
    assert made.status_code == 303
    listed = client.get(made.headers["Location"]).text
    assert "Round scheduled: Hygiene check." in listed
    assert "Every week on Monday, Thursday · 08:00, 14:30" in listed
    with app.app_context():
        schedule = db.session.scalar(select(RoundSchedule))
        assert schedule.rule.times == ["08:00", "14:30"]
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity_type == "roundschedule")) == 1


def test_the_inspector_does_a_round_from_today(app, client, site, people, published, clock):
    supervisor, _inspector = people
    schedule_id = make_schedule(app, site, supervisor, published)["schedule_id"]
    token = _sign_in(app, client, "ines")
    clock.now = datetime(2026, 11, 30, 23, 0)  # 07:00 in Shanghai: not open yet
    early = client.get("/rounds/").text
    assert "Hygiene check" in early and "Upcoming" in early and ">Start<" not in early
    clock.now = datetime(2026, 12, 1, 0, 30)  # 08:30: open
    today = client.get("/rounds/").text
    assert "08:00 – due 10:00" in today and ">Open<" in today
    assert 'aria-label="Start Hygiene check at Lobby point"' in today
    assert "Hygiene check" in client.get("/").text  # on the home page too
    location = first_location(app, site)
    started = client.post("/rounds/start", data={"schedule": schedule_id,
        "csrf_token": token, "idempotency_key": "round-1", "location": location.id,
        "opens": OPENS.isoformat()})
    assert started.status_code == 303
    inspection_id = int(started.headers["Location"].rsplit("/", 1)[1])
    again = client.post("/rounds/start", data={"schedule": schedule_id,
        "csrf_token": token, "idempotency_key": "round-2", "location": location.id,
        "opens": OPENS.isoformat()})
    assert again.headers["Location"] == started.headers["Location"]  # resumed, not doubled
    assert ">Resume<" in client.get("/rounds/").text
    _complete(app, inspection_id, "ines")  # at 08:30: on time
    done = client.get("/rounds/").text
    assert "Done today" in done and "Done on time" in done
    with app.app_context():
        assert db.session.scalar(select(func.count(RoundVisit.inspection_id))) == 1


def _complete(app, inspection_id, username):
    """The floor passed, then signed and completed by `username`."""
    from app.auth.models import User

    with app.test_request_context():
        by = db.session.scalar(select(User).filter_by(username=username))
        inspection = db.session.get(Inspection, inspection_id)
        answers.save_answer(inspection, inspection.version.questions[0].key, raw="pass",
                            by=by)
        db.session.commit()
    _complete_signed(app, inspection_id, username)


def test_refused_starts_say_why(app, client, site, people, published, clock, login_as):
    supervisor, _inspector = people
    schedule_id = make_schedule(app, site, supervisor, published)["schedule_id"]
    location = first_location(app, site)
    token = _sign_in(app, client, "ines")
    clock.now = datetime(2026, 11, 30, 23, 0)
    cases = {OPENS.isoformat(): "This round is not open yet.",
             "2026-12-01T00:05:00": "This round is not in the schedule.",
             "not a time": "This round is not in the schedule."}
    for number, (opens, message) in enumerate(cases.items()):
        response = client.post("/rounds/start", data={"schedule": schedule_id,
            "csrf_token": token, "idempotency_key": f"bad-{number}", "location": location.id,
            "opens": opens})
        assert response.status_code == 303
        assert message in client.get(response.headers["Location"]).text
    # someone else's round: given to a person, not to every inspector
    other = make_schedule(app, site, supervisor, published, assignee_role=None,
                          assignee_id=people[0].id)["schedule_id"]
    clock.now = datetime(2026, 12, 1, 0, 30)
    refused = client.post("/rounds/start", data={"schedule": other,
        "csrf_token": token, "idempotency_key": "theirs", "location": location.id,
        "opens": OPENS.isoformat()})
    assert "This round is someone else&#39;s." in client.get(refused.headers["Location"]).text


def test_an_edit_applies_from_the_next_round_and_pause_resume(app, client, site, people,
                                                              published, clock):
    supervisor, _inspector = people
    schedule_id = make_schedule(app, site, supervisor, published)["schedule_id"]
    token = _sign_in(app, client, "sue")
    clock.now = datetime(2026, 12, 1, 1, 0)  # 09:00: the 08:00 round is open
    form = client.get(f"/rounds/schedules/{schedule_id}").text
    assert 'value="08:00"' in form
    location = first_location(app, site)
    edited = client.post(f"/rounds/schedules/{schedule_id}", data={
        "csrf_token": token, "location_ids": location.id, "frequency": "daily",
        "times": "10:00", "window_minutes": "60", "grace_minutes": "30",
        "assignee": "role:supervisor", "starts_on": "2026-12-01"})
    assert edited.status_code == 303
    board = client.get(f"/rounds/board?site={site.id}&day=2026-12-01").text
    assert "08:00–10:00" in board and "10:00–11:00" in board  # the open one kept its rule
    next_day = client.get(f"/rounds/board?site={site.id}&day=2026-12-02").text
    assert "08:00–10:00" not in next_day and "10:00–11:00" in next_day
    assert client.post(f"/rounds/schedules/{schedule_id}/pause",
                       data={"csrf_token": token}).status_code == 303
    assert "10:00–11:00" not in client.get(
        f"/rounds/board?site={site.id}&day=2026-12-02").text
    paused_twice = client.post(f"/rounds/schedules/{schedule_id}/pause",
                               data={"csrf_token": token})
    assert "This schedule is paused already." in client.get(
        paused_twice.headers["Location"]).text
    client.post(f"/rounds/schedules/{schedule_id}/resume", data={"csrf_token": token})
    resumed = client.get(f"/rounds/schedules/{schedule_id}").text
    assert "Schedule resumed." in resumed and "Changes" in resumed
    assert "10:00–11:00" in client.get(f"/rounds/board?site={site.id}&day=2026-12-02").text


def test_the_board_a_missed_round_and_rounds_check(app, client, site, people, published,
                                                   clock):
    supervisor, _inspector = people
    make_schedule(app, site, supervisor, published)
    _sign_in(app, client, "sue")
    clock.now = datetime(2026, 12, 1, 2, 30)  # 10:30: overdue
    board = client.get(f"/rounds/board?site={site.id}&day=2026-12-01").text
    assert ">Overdue<" in board
    clock.now = datetime(2026, 12, 1, 3, 30)  # 11:30: missed
    board = client.get(f"/rounds/board?site={site.id}&day=2026-12-01").text
    assert ">Missed<" in board
    week = client.get(f"/rounds/board?site={site.id}&day=2026-12-01&view=week").text
    assert week.count("<table") == 1 and '<th scope="col">Mon 30</th>' in week
    assert week.count('<span class="visually-hidden">Missed</span>') == 1  # the 1st
    assert week.count('<span class="visually-hidden">Upcoming</span>') == 5  # the 2nd to 6th
    home = client.get("/").text
    assert "Rounds today" in home
    runner = app.test_cli_runner()
    from app.rounds import services

    with app.app_context():
        assert services.tell_missed(now=clock.now) == 1
        db.session.commit()
    again = runner.invoke(args=["rounds-check"])  # a second run: told already
    assert again.exit_code == 0 and "0 missed rounds reported." in again.output
    with app.app_context():
        told = db.session.scalars(select(Notification).filter_by(kind="round_missed")).all()
        assert [n.user_id for n in told] == [supervisor.id]
        assert told[0].params["what"] == "Hygiene check"
    assert "Round missed: Hygiene check at Lobby point, 2026-12-01 08:00" in \
        client.get("/notifications").text


def test_schedules_of_other_sites_are_not_reachable(app, client, site, people, published,
                                                    clock, login_as):
    from tests.conftest import make_site

    other = make_site(app, name="Far", code="FAR")
    boss = make_user(app, username="far-sup", roles=("supervisor",), sites=[other])
    far = make_schedule(app, other, boss, make_checklist(app, other, boss, publish=True)[
        "template_id"])["schedule_id"]
    token = _sign_in(app, client, "sue")
    assert client.get(f"/rounds/schedules/{far}").status_code == 404
    assert client.post("/rounds/start", data={
        "csrf_token": token, "schedule": far, "location": first_location(app, other).id,
        "opens": OPENS.isoformat()}).status_code == 404
    assert "Hygiene check" not in client.get(f"/rounds/board?site={other.id}").text


def _do_round(app, schedule_id, opens, username, floor, place=0, complete=True):
    """The round that opened at `opens` (at the schedule's `place`-th location) done by
    `username`, the floor answered `floor` (a failed floor asks for the fridge's reading:
    3 °C, within its limits); started only, unless `complete`."""
    from app.auth.models import User
    from app.rounds import services

    with app.test_request_context():
        by = db.session.scalar(select(User).filter_by(username=username))
        schedule = db.session.get(RoundSchedule, schedule_id)
        inspection = services.start_round(schedule, schedule.rule.location_ids[place], opens,
                                          by=by)
        questions = inspection.version.questions
        answers.save_answer(inspection, questions[0].key, raw=floor, by=by)
        if floor == "fail":
            answers.save_answer(inspection, questions[1].key, raw="3", by=by)
        db.session.commit()
        inspection_id = inspection.id
    if complete:
        _complete_signed(app, inspection_id, username)


def _complete_signed(app, inspection_id, username):
    import io

    from app.auth.models import User

    with app.test_request_context():
        by = db.session.scalar(select(User).filter_by(username=username))
        inspection = db.session.get(Inspection, inspection_id)
        drawing = io.BytesIO(image_bytes("PNG"))
        drawing.filename = "signature.png"
        answers.sign(inspection, None, drawing, by=by)
        answers.complete(inspection, by=by, photo_counts={})
        db.session.commit()


def test_figures_of_a_checklist_at_a_site(app, client, site, people, published, clock):
    supervisor, _inspector = people
    schedule_id = make_schedule(app, site, supervisor, published)["schedule_id"]
    clock.now = datetime(2026, 12, 1, 0, 30)
    _do_round(app, schedule_id, OPENS, "ines", "pass")  # on time, 100 %
    clock.now = datetime(2026, 12, 2, 5, 0)  # 13:00, after it was due
    _do_round(app, schedule_id, datetime(2026, 12, 2, 0, 0), "ines", "fail")  # late, 50 %
    clock.now = datetime(2026, 12, 4, 4, 0)  # the 3rd and the 4th were missed
    _sign_in(app, client, "sue")
    page = client.get(f"/rounds/figures?site={site.id}&template={published}&weeks=4")
    assert page.status_code == 200
    text = page.text
    assert "<strong>25%</strong><span>Done on time (1)</span>" in text
    assert "<strong>25%</strong><span>Done late (1)</span>" in text
    assert "<strong>50%</strong><span>Missed (2)</span>" in text
    assert 'role="img" aria-labelledby="score-title" aria-describedby="score-desc"' in text
    assert "From 75% (week of 11-30) to 75% (week of 11-30); highest 75%, lowest 75%." in text
    assert "<th scope=\"row\">week of 11-09</th><td>-</td>" in text  # nothing to count
    assert "<th scope=\"row\">Floor clean?</th><td>1</td><td>2 (50%)</td>" in text
    assert "<svg" in text and "<script" not in text.split("<main", 1)[1].split("</main>")[0]


def test_completion_counted_by_opening_agrees_with_each_rounds_status(app, site, people,
                                                                      published, clock):
    """The figures count openings (all of a rule's locations at once), not each location's
    round: the same numbers as the rounds' statuses, week by week, at two locations, twice a
    day, with a rule changed half way; rounds on time, late, started only, missed, overdue."""
    from dataclasses import replace
    from datetime import date

    from app.rounds import figures, queries, services
    from app.sites import services as site_services
    from app.sites.models import Area, Location, Site

    supervisor, _inspector = people
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.site_id == site.id))
        site_services.create_location(db.session.get(Site, site.id), area=area,
                                      name="Kitchen", code="L9", by=None)
        db.session.commit()
        places = list(db.session.scalars(select(Location.id).where(
            Location.site_id == site.id).order_by(Location.id)))
    # from Tuesday 1 December, 08:00 at the site
    schedule_id = make_schedule(app, site, supervisor, published, times=["08:00", "15:00"],
                                location_ids=places)["schedule_id"]
    clock.now = datetime(2026, 12, 1, 0, 30)
    _do_round(app, schedule_id, OPENS, "ines", "pass")  # on time
    _do_round(app, schedule_id, OPENS, "ines", "pass", place=1, complete=False)  # missed
    clock.now = datetime(2026, 12, 2, 5, 0)  # 13:00: the morning's round, late
    _do_round(app, schedule_id, datetime(2026, 12, 2, 0, 0), "ines", "fail", place=1)
    clock.now = datetime(2026, 12, 5, 0, 0)  # Saturday 08:00: from now, 09:00 at one place
    with app.test_request_context():
        schedule = db.session.get(RoundSchedule, schedule_id)
        services.edit_schedule(schedule, replace(services._fields_of(schedule.rule),
                                                 times=["09:00"], location_ids=places[:1]),
                               by=db.session.get(type(supervisor), supervisor.id))
        db.session.commit()
    clock.now = datetime(2026, 12, 9, 3, 0)  # Wednesday 11:00: its 09:00 round is overdue
    with app.test_request_context():
        schedule = db.session.get(RoundSchedule, schedule_id)
        weeks = figures.weeks_of(date(2026, 11, 23), date(2026, 12, 9))
        counted = figures.completion_by_week([schedule], weeks, clock.now)
        expected = [figures.Completion() for _ in weeks]
        for found in queries.rounds_between([schedule], weeks[0], 7 * len(weeks), clock.now):
            tally = expected[(found.opens_local.date() - weeks[0]).days // 7]
            if found.status in figures.DECIDED:
                setattr(tally, found.status, getattr(tally, found.status) + 1)
    assert counted == expected
    assert [(c.on_time, c.late, c.missed) for c in counted] == [
        (0, 0, 0),  # before the schedule began
        (1, 1, 16),  # 1st to 4th: 4 a day; 5th and 6th: one at 09:00
        (0, 0, 2)]  # 7th and 8th missed; the 9th's is overdue, not decided yet


def test_figures_with_nothing_to_count_say_so(app, client, site, people, published, clock):
    _sign_in(app, client, "sue")
    text = client.get(f"/rounds/figures?site={site.id}&template={published}").text
    assert "<strong>-</strong><span>Done on time (0)</span>" in text  # not 100 %, not 0 %
    assert "Nothing to count in this period." in text
    assert "No question failed in this period." in text
