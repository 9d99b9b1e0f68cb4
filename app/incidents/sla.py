"""Service-level timers: business time between two instants, and due times that skip nights,
weekends and pauses. Pure functions on aware datetimes (UTC in, UTC out).

A calendar is a site's working week in its own time zone. Elapsed SLA time only runs inside
working hours (unless the policy runs round the clock) and never while the incident is paused
waiting for the customer or for parts.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3700  # ten years of calendar: a due time never lies beyond this


@dataclass(frozen=True)
class Calendar:
    timezone: str = "UTC"
    days: frozenset[int] = frozenset(range(7))  # 0 = Monday
    start: time = time(0, 0)
    end: time = time(0, 0)  # 00:00-00:00 means the whole day
    always: bool = True  # round the clock: working hours ignored

    @property
    def runs_round_the_clock(self) -> bool:
        return self.always or not self.days


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _day_window(calendar: Calendar, day: date) -> tuple[datetime, datetime] | None:
    if day.weekday() not in calendar.days:
        return None
    zone = ZoneInfo(calendar.timezone)
    opens = datetime.combine(day, calendar.start, zone)
    closes = datetime.combine(day, calendar.end, zone)
    if closes <= opens:  # e.g. 00:00-00:00, or a night shift 22:00-06:00
        closes += timedelta(days=1)
    return opens.astimezone(UTC), closes.astimezone(UTC)


def _windows_from(calendar: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals (UTC) from `start` on, in order; the first may begin before it."""
    day = start.astimezone(ZoneInfo(calendar.timezone)).date() - timedelta(days=1)
    for _ in range(MAX_DAYS):
        window = _day_window(calendar, day)
        if window is not None and window[1] > start:
            yield max(window[0], start), window[1]
        day += timedelta(days=1)


def business_seconds(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Working time between two instants, in seconds (0 when end <= start)."""
    start, end = aware(start), aware(end)
    if end <= start:
        return 0.0
    if calendar.runs_round_the_clock:
        return (end - start).total_seconds()
    total = 0.0
    for opens, closes in _windows_from(calendar, start):
        if opens >= end:
            break
        total += (min(closes, end) - opens).total_seconds()
    return total


def add_business_seconds(calendar: Calendar, start: datetime, seconds: float) -> datetime:
    """The instant when `seconds` of working time have passed since `start`."""
    start = aware(start)
    if calendar.runs_round_the_clock:
        return start + timedelta(seconds=seconds)
    remaining = seconds
    for opens, closes in _windows_from(calendar, start):
        length = (closes - opens).total_seconds()
        if remaining <= length:
            return opens + timedelta(seconds=remaining)
        remaining -= length
    # A target longer than the calendar can hold within MAX_DAYS: count it round the clock
    # rather than fail the report.
    return start + timedelta(seconds=seconds)
