"""SLA timers across nights, weekends and pauses (business hours in the site's time zone)."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.incidents.sla import Calendar, add_business_seconds, business_seconds

SHANGHAI = "Asia/Shanghai"  # UTC+8, no daylight saving
OFFICE = Calendar(timezone=SHANGHAI, days=frozenset(range(5)), start=time(8), end=time(18),
                  always=False)
HOUR = 3600


def local(day, hour, minute=0):
    """A Shanghai wall-clock time in November 2026, as UTC (2026-11-20 is a Friday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo(SHANGHAI)).astimezone(UTC)


def test_round_the_clock_is_plain_time():
    start = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    assert business_seconds(Calendar(), start, start.replace(day=21, hour=1)) == 2 * HOUR
    assert add_business_seconds(Calendar(), start, 2 * HOUR) == start.replace(day=21, hour=1)


def test_time_only_runs_in_working_hours():
    # Friday 16:00 to Monday 10:00 is 2 h on Friday and 2 h on Monday.
    assert business_seconds(OFFICE, local(20, 16), local(23, 10)) == 4 * HOUR
    # Reported on Saturday: nothing runs until Monday 08:00.
    assert business_seconds(OFFICE, local(21, 9), local(23, 8)) == 0


def test_due_time_skips_the_night_and_the_weekend():
    # A 4-hour target from Friday 16:00 ends Monday 10:00.
    assert add_business_seconds(OFFICE, local(20, 16), 4 * HOUR) == local(23, 10)
    # Reported at night: the clock starts at 08:00.
    assert add_business_seconds(OFFICE, local(19, 22), 1 * HOUR) == local(20, 9)


def test_pause_and_resume_across_business_hours():
    """Paused Friday 17:00 (waiting for parts), resumed Monday 09:30: only the 2.5 working
    hours inside the pause (Fri 17-18, Mon 08-09:30) are added to the due time."""
    reported, target = local(20, 14), 8 * HOUR
    due = add_business_seconds(OFFICE, reported, target)
    assert due == local(23, 12)  # Fri 14-18 (4 h) + Mon 08-12 (4 h)
    paused = business_seconds(OFFICE, local(20, 17), local(23, 9, 30))
    assert paused == 2.5 * HOUR
    due_after_pause = add_business_seconds(OFFICE, reported, target + paused)
    assert due_after_pause == local(23, 14, 30)
    # Elapsed working time at the new due time, minus the pause, is exactly the target.
    assert business_seconds(OFFICE, reported, due_after_pause) - paused == target


def test_night_shift_windows_cross_midnight():
    nights = Calendar(timezone=SHANGHAI, days=frozenset(range(7)), start=time(22),
                      end=time(6), always=False)
    assert business_seconds(nights, local(20, 21), local(21, 7)) == 8 * HOUR


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
def test_add_and_measure_agree(zone):
    calendar = Calendar(timezone=zone, days=frozenset({0, 1, 2, 3, 4}), start=time(9),
                        end=time(17, 30), always=False)
    start = datetime(2026, 3, 27, 15, 0, tzinfo=UTC)  # spans a daylight-saving change
    for hours in (0.5, 3, 9, 40):
        due = add_business_seconds(calendar, start, hours * HOUR)
        assert business_seconds(calendar, start, due) == pytest.approx(hours * HOUR)
