"""When rounds happen: rrule days in the site's zone, opening times through DST changes,
rule versions (an edit from the next occurrence, pause and resume), and statuses."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from app.rounds.models import RoundRule, RoundSchedule
from app.rounds.recurrence import (
    day_bounds,
    local_days,
    occurrences,
    status,
    to_utc,
    zone_of,
)

BERLIN, SHANGHAI = zone_of("Europe/Berlin"), zone_of("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _models(app):
    """The app's models all mapped (a schedule's relationships name other domains')."""


def rule(effective_from=datetime(2026, 1, 1), **fields) -> RoundRule:
    values = {"frequency": "daily", "times": ["08:00"], "weekdays": [], "month_day": None,
              "month_ordinal": None, "month_weekday": None, "window_minutes": 120,
              "grace_minutes": 60, "location_ids": [7], "starts_on": date(2026, 1, 1),
              "ends_on": None, "paused": False, **fields}
    return RoundRule(effective_from=effective_from, **values)


def schedule(*rules) -> RoundSchedule:
    made = RoundSchedule(id=1)
    made.rules = list(rules)
    return made


def opening_times(made, zone, first: date, days: int = 1) -> list[datetime]:
    start, end = day_bounds(first, zone, days)
    return [o.opens_at for o in occurrences(made, zone, start, end)]


def test_several_times_a_day_in_shanghai():
    made = schedule(rule(times=["08:00", "14:00", "20:00"], location_ids=[7, 8]))
    found = occurrences(made, SHANGHAI, *day_bounds(date(2026, 12, 1), SHANGHAI))
    assert [(o.opens_at.hour, o.location_id) for o in found] == [
        (0, 7), (0, 8), (6, 7), (6, 8), (12, 7), (12, 8)]  # UTC+8, no DST
    first = found[0]
    assert (first.due_at - first.opens_at, first.missed_at - first.due_at) == (
        timedelta(hours=2), timedelta(hours=1))


def test_weekly_on_chosen_weekdays():
    made = schedule(rule(frequency="weekly", weekdays=[0, 3]))  # Monday and Thursday
    found = opening_times(made, SHANGHAI, date(2026, 11, 30), days=7)
    assert [d.date() for d in found] == [date(2026, 11, 30), date(2026, 12, 3)]


def test_monthly_on_the_31st_falls_on_the_last_day_of_short_months():
    made = rule(frequency="monthly", month_day=31)
    assert local_days(made, date(2027, 1, 1), date(2027, 5, 31)) == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30),
        date(2027, 5, 31)]
    leap = rule(frequency="monthly", month_day=30, starts_on=date(2028, 1, 1))
    assert local_days(leap, date(2028, 1, 1), date(2028, 3, 31)) == [
        date(2028, 1, 30), date(2028, 2, 29), date(2028, 3, 30)]
    assert local_days(rule(frequency="monthly", month_day=15), date(2027, 1, 1),
                      date(2027, 2, 28)) == [date(2027, 1, 15), date(2027, 2, 15)]


def test_monthly_on_the_last_friday_and_the_first_monday():
    last_friday = rule(frequency="monthly", month_ordinal=-1, month_weekday=4)
    assert local_days(last_friday, date(2026, 12, 1), date(2027, 2, 28)) == [
        date(2026, 12, 25), date(2027, 1, 29), date(2027, 2, 26)]
    first_monday = rule(frequency="monthly", month_ordinal=1, month_weekday=0)
    assert local_days(first_monday, date(2026, 12, 1), date(2027, 1, 31)) == [
        date(2026, 12, 7), date(2027, 1, 4)]


def test_spring_forward_in_berlin():
    made = schedule(rule(times=["02:30", "08:00"]))
    day = date(2026, 3, 29)  # clocks go from 02:00 to 03:00
    start, end = day_bounds(day, BERLIN)
    assert end - start == timedelta(hours=23)
    # 02:30 does not exist: it opens an hour later, at 03:30 summer time (01:30 UTC)
    assert opening_times(made, BERLIN, day) == [datetime(2026, 3, 29, 1, 30),
                                                datetime(2026, 3, 29, 6, 0)]
    # the day before, 08:00 was winter time: still 08:00 on the wall, an hour apart in UTC
    assert opening_times(made, BERLIN, day - timedelta(days=1))[1] == datetime(
        2026, 3, 28, 7, 0)


def test_fall_back_in_berlin():
    made = schedule(rule(times=["02:30", "08:00"]))
    day = date(2026, 10, 25)  # clocks go from 03:00 back to 02:00
    start, end = day_bounds(day, BERLIN)
    assert end - start == timedelta(hours=25)
    # 02:30 happens twice: the first (summer time, 00:30 UTC), once
    assert opening_times(made, BERLIN, day) == [datetime(2026, 10, 25, 0, 30),
                                                datetime(2026, 10, 25, 7, 0)]
    assert to_utc(datetime(2026, 10, 26, 8, 0), BERLIN) == datetime(2026, 10, 26, 7, 0)


def test_an_edit_applies_from_the_next_occurrence():
    edited_at = datetime(2026, 12, 2, 1, 0)  # 09:00 in Shanghai, after the 08:00 round
    made = schedule(rule(), rule(effective_from=edited_at, times=["10:00"]))
    assert opening_times(made, SHANGHAI, date(2026, 12, 1), days=3) == [
        datetime(2026, 12, 1, 0, 0),  # 08:00 by the first rule
        datetime(2026, 12, 2, 0, 0),  # 08:00 that day had opened before the edit: kept
        datetime(2026, 12, 2, 2, 0),  # 10:00 by the new rule
        datetime(2026, 12, 3, 2, 0)]


def test_pause_and_resume():
    made = schedule(rule(), rule(effective_from=datetime(2026, 12, 2, 3, 0), paused=True),
                    rule(effective_from=datetime(2026, 12, 3, 16, 0)))  # 00:00 on the 4th
    assert [d.day for d in opening_times(made, SHANGHAI, date(2026, 12, 1), days=5)] == [
        1, 2, 4, 5]


def test_start_and_end_dates():
    made = schedule(rule(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 3)))
    assert [d.day for d in opening_times(made, SHANGHAI, date(2026, 12, 1), days=5)] == [
        2, 3]


def test_statuses():
    made = schedule(rule())
    occurrence = occurrences(made, SHANGHAI, *day_bounds(date(2026, 12, 1), SHANGHAI))[0]
    opens = occurrence.opens_at  # 08:00, due 10:00, missed from 11:00
    assert status(occurrence, None, opens - timedelta(minutes=1)) == "upcoming"
    assert status(occurrence, None, opens) == "open"
    assert status(occurrence, None, opens + timedelta(hours=2)) == "overdue"
    assert status(occurrence, None, opens + timedelta(hours=3)) == "missed"
    started = SimpleNamespace(status="in_progress", completed_at=None)
    assert status(occurrence, started, opens + timedelta(hours=3)) == "missed"
    done = SimpleNamespace(status="completed", completed_at=opens + timedelta(minutes=90))
    assert status(occurrence, done, opens + timedelta(days=1)) == "on_time"
    late = SimpleNamespace(status="completed", completed_at=opens + timedelta(hours=5))
    assert status(occurrence, late, opens + timedelta(days=1)) == "late"


def test_an_unknown_zone_is_utc():
    assert zone_of("Mars/Olympus") == zone_of("UTC") == zone_of(None)
