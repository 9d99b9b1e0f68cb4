"""When preventive work is due: the arithmetic of a plan's triggers, pure (no database).

The calendar: first due on the plan's start date, then every N days, weeks or months:
- fixed: on the grid from the start date, whatever happens (done late or early, the next is
  the grid's next date after both the date served and the completion);
- floating: N after the last completion (a skipped one counts from the date it was due).
Months are added from the start of the count, never chained (`add_months`, which does what
python-dateutil's `relativedelta(months=n)` does, faster; a test compares them): monthly from
the 31st is due on the 31st, or on the month's last day where there is none (30 April, 28 or
29 February).

The meter: every N units from its value at the last completion, and/or as soon as a reading
goes above or below a value. With both calendar and meter the work is due at whichever comes
first, and completing it resets both baselines.

Lead time: the work order appears N days (calendar) or N units (meter) before it is due.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

PROJECTION_LIMIT = 200  # occurrences projected for one plan: a daily plan over 8 weeks is 56


def add_months(day: date, months: int) -> date:
    """`day` so many months later; a day the month has not (the 31st, 29 February) is its
    last day. What `relativedelta(months=n)` does, in a fraction of its time: the PM calendar
    adds months for thousands of plans per page."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def step(start: date, every: int, unit: str, times: int = 1) -> date:
    """`start` plus `times` periods of `every` units, counted from `start` itself."""
    if unit == "day":
        return start + timedelta(days=every * times)
    if unit == "week":
        return start + timedelta(weeks=every * times)
    return add_months(start, every * times)  # the 31st -> the month's last day


def grid_after(start: date, every: int, unit: str, after: date) -> date:
    """The first date of the grid start, start + N, start + 2N, ... that is after `after`."""
    if after < start:
        return start
    if unit in ("day", "week"):
        period = every * (7 if unit == "week" else 1)
        return start + timedelta(days=((after - start).days // period + 1) * period)
    months = (after.year - start.year) * 12 + after.month - start.month
    times = max(months // every - 1, 0)
    while step(start, every, unit, times) <= after:
        times += 1
    return step(start, every, unit, times)


@dataclass(frozen=True)
class Calendar:
    every: int
    unit: str
    fixed: bool
    starts_on: date
    lead_days: int = 0

    def due_after(self, baseline: date | None) -> date:
        """The due date that follows the baseline (None: the first, on the start date)."""
        if baseline is None:
            return self.starts_on
        if self.fixed:
            return grid_after(self.starts_on, self.every, self.unit, baseline)
        return step(baseline, self.every, self.unit)

    def opens_on(self, due: date) -> date:
        return due - timedelta(days=self.lead_days)


@dataclass(frozen=True)
class MeterRule:
    every: Decimal | None = None
    above: Decimal | None = None
    below: Decimal | None = None
    lead_units: Decimal = Decimal(0)

    def due_reading(self, baseline: Decimal | None) -> Decimal | None:
        if self.every is None:
            return None
        return (baseline or Decimal(0)) + self.every

    def reason(self, value: Decimal | None, baseline: Decimal | None) -> str | None:
        """Why a reading of `value` opens work now ("meter", "above", "below"), or None."""
        if value is None:
            return None
        due = self.due_reading(baseline)
        if due is not None and value >= due - self.lead_units:
            return "meter"
        if self.above is not None and value > self.above:
            return "above"
        if self.below is not None and value < self.below:
            return "below"
        return None


def calendar_baseline_after(calendar: Calendar, *, served_due: date | None, done_on: date,
                            previous: date | None) -> date:
    """The calendar's baseline once work is completed on `done_on` (serving `served_due`, the
    due date it was generated for): fixed, the later of the two (the grid goes on from there);
    floating, the completion."""
    if calendar.fixed:
        return max(d for d in (served_due, done_on, previous) if d is not None)
    return done_on


def calendar_baseline_skipped(calendar: Calendar, *, served_due: date | None,
                              previous: date | None) -> date | None:
    """The baseline once the work served `served_due` is skipped (cancelled): the count goes
    on from the date it was due, so a skip never makes the same work due again at once."""
    return served_due if served_due is not None else previous


def projected_dates(calendar: Calendar | None, first_due: date | None, *, meter_due_on=None,
                    meter_period_days: float | None = None, until: date) -> list[date]:
    """The dates work of the plan falls due up to `until`, assuming each is done on the day it
    is due (computed, not stored: the PM calendar). `first_due` is the calendar's next due
    date; `meter_due_on` the day the meter is expected to reach its next due reading, and
    `meter_period_days` how long the meter takes for one interval at its recent rate. With
    both, whichever comes first, and each completion resets both."""
    dates: list[date] = []
    calendar_due = first_due if calendar is not None else None
    meter_due = meter_due_on
    while len(dates) < PROJECTION_LIMIT:
        candidates = [d for d in (calendar_due, meter_due) if d is not None]
        if not candidates:
            break
        due = min(candidates)
        if due > until:
            break
        dates.append(due)
        if calendar is not None:  # fixed: the grid's next date after it; floating: N after
            calendar_due = calendar.due_after(due)
        meter_due = due + timedelta(days=meter_period_days) if meter_period_days else None
    return dates
