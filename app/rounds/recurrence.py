"""When rounds happen: occurrences computed from a schedule's rule versions, and their status.

The days come from python-dateutil's `rrule` (RFC 5545), computed in the site's own calendar;
each opening time is a wall-clock time there, turned into UTC for storing and comparing. A rule
computed in UTC would drift an hour at each change of daylight saving time.

Daylight saving time, the stated rule: a local time that does not exist (the spring gap, 02:30
in Europe/Berlin on the last Sunday of March) opens as much later as the gap is long (03:30
summer time); a local time that happens twice (autumn) opens at the first of the two (summer
time). Both follow from `fold=0` (PEP 495). The window and the grace period are lengths of
time, not wall-clock times.

Monthly on the 29th, 30th or 31st: in a month without that day, the month's last day.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, weekday

from app.rounds.models import RoundRule, RoundSchedule


@dataclass(frozen=True)
class Occurrence:
    """One round to be done at one location: when it opens, is due, and counts as missed
    (UTC, naive as stored)."""

    schedule_id: int
    location_id: int
    opens_at: datetime
    due_at: datetime
    missed_at: datetime

    @property
    def key(self) -> tuple[int, int, datetime]:
        return self.schedule_id, self.location_id, self.opens_at


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time of the zone in UTC, by the rule above (fold=0)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC).replace(tzinfo=None)


def to_local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def local_days(rule: RoundRule, first: date, last: date) -> list[date]:
    """The days of the rule from `first` to `last` (both included), within its dates."""
    first, last = max(first, rule.starts_on), min(last, rule.ends_on or last)
    if first > last:
        return []
    # Every rule repeats each day, week or month (interval 1), so it may start where the days
    # are wanted: from its start date, rrule would walk every day since (a year: 50 ms).
    anchor = datetime.combine(first if rule.frequency != "monthly" else
                              max(rule.starts_on, first.replace(day=1)), time())
    if rule.frequency == "daily":
        days = rrule(DAILY, dtstart=anchor)
    elif rule.frequency == "weekly":
        days = rrule(WEEKLY, dtstart=anchor, byweekday=sorted(rule.weekdays))
    elif rule.month_day:
        # the 31st in a 30-day month (or February) is its last day: the last of 28..31 there
        wanted = rule.month_day
        days = rrule(MONTHLY, dtstart=anchor, bymonthday=list(range(28, wanted + 1)),
                     bysetpos=-1) if wanted > 28 else rrule(MONTHLY, dtstart=anchor,
                                                           bymonthday=wanted)
    else:
        days = rrule(MONTHLY, dtstart=anchor,
                     byweekday=weekday(rule.month_weekday, rule.month_ordinal))
    return [d.date() for d in days.between(datetime.combine(first, time()),
                                           datetime.combine(last, time()), inc=True)]


def _opening_times(rule: RoundRule) -> list[time]:
    return [time(int(text[:2]), int(text[3:5])) for text in rule.times]


@dataclass(frozen=True)
class Opening:
    """A moment a schedule's round opens, at all of its rule's locations at once: figures
    over weeks count openings (a few hundred), not each location's occurrence (thousands)."""

    schedule_id: int
    opens_at: datetime
    due_at: datetime
    missed_at: datetime
    location_ids: tuple[int, ...]


def openings(schedule: RoundSchedule, zone: ZoneInfo, start: datetime,
             end: datetime) -> list[Opening]:
    """Every opening of the schedule in [start, end) (UTC), each from the rule version in
    force when it opens; none while paused. In order of opening."""
    found = []
    rules = schedule.rules
    for number, rule in enumerate(rules):
        span_start = max(start, rule.effective_from)
        span_end = min(end, rules[number + 1].effective_from) if number + 1 < len(rules) \
            else end
        if rule.paused or span_start >= span_end:
            continue
        window = timedelta(minutes=rule.window_minutes)
        grace = timedelta(minutes=rule.grace_minutes)
        locations = tuple(rule.location_ids)
        # a day either side: a local day and a UTC day are not the same 24 hours
        first = to_local(span_start, zone).date() - timedelta(days=1)
        last = to_local(span_end, zone).date() + timedelta(days=1)
        for day in local_days(rule, first, last):
            for opening in _opening_times(rule):
                opens = to_utc(datetime.combine(day, opening), zone)
                if span_start <= opens < span_end:
                    found.append(Opening(schedule.id, opens, opens + window,
                                         opens + window + grace, locations))
    return sorted(found, key=lambda o: o.opens_at)


def occurrences(schedule: RoundSchedule, zone: ZoneInfo, start: datetime,
                end: datetime) -> list[Occurrence]:
    """Every occurrence of the schedule opening in [start, end) (UTC): each opening at each
    of its locations. In order of opening, then location."""
    return [Occurrence(opening.schedule_id, location_id, opening.opens_at, opening.due_at,
                       opening.missed_at)
            for opening in openings(schedule, zone, start, end)
            for location_id in sorted(opening.location_ids)]


def status(occurrence: Occurrence, inspection, now: datetime) -> str:
    """upcoming, open, overdue (window passed, not done), missed (grace passed), on_time or
    late (by when its inspection was completed)."""
    if inspection is not None and inspection.status == "completed":
        return "on_time" if inspection.completed_at <= occurrence.due_at else "late"
    if now < occurrence.opens_at:
        return "upcoming"
    if now < occurrence.due_at:
        return "open"
    if now < occurrence.missed_at:
        return "overdue"
    return "missed"


def day_bounds(day: date, zone: ZoneInfo, days: int = 1) -> tuple[datetime, datetime]:
    """The UTC span of `days` local days from `day` (23 or 25 hours on a DST change)."""
    return (to_utc(datetime.combine(day, time()), zone),
            to_utc(datetime.combine(day + timedelta(days=days), time()), zone))
