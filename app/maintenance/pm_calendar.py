"""The PM calendar of a site: the preventive work due over the next weeks, computed from the
plans (never stored), so that supervisors can level the load; and the generated work that is
open already, overdue first.

A meter plan's dates are estimates: the meter's recent rate (its readings of the last 90 days,
resets aside) says when it reaches the next due reading. A meter with no rate yet gives no
date: the plan shows under "waiting for the meter"."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.core.db import column_rows
from app.core.models import utcnow
from app.maintenance import preventive, triggers
from app.maintenance.models import (
    Asset,
    MaintenancePlan,
    Meter,
    MeterReading,
    WorkOrder,
)
from app.maintenance.queries import unfinished

WEEKS = 8
RATE_WINDOW = timedelta(days=90)
LISTED = 100  # items listed of a week (or overdue): a site of thousands of plans counts them


@dataclass(frozen=True)
class Due:
    """One piece of preventive work on the calendar: projected from a plan, or generated and
    open already (`work_order_id`, `reference`)."""

    day: date
    plan_id: int
    title: str
    asset_code: str
    asset_name: str
    minutes: int | None
    work_order_id: int | None = None
    reference: str = ""


@dataclass
class Week:
    """A week of the calendar: how much work falls in it; its items only for the week shown
    (a site's thousands of plans are counted, not listed, for the others)."""

    starts_on: date
    count: int = 0
    minutes: int = 0
    items: list[Due] = field(default_factory=list)  # the first LISTED, by day

    @property
    def unlisted(self) -> int:
        return self.count - len(self.items)


@dataclass
class Calendar:
    today: date
    weeks: list[Week]
    overdue: list[Due]  # the first LISTED, oldest first
    overdue_count: int
    waiting: list[Due]  # meter plans whose meter has no rate yet (the first LISTED)


def _plans(site_id: int):
    return select(
        MaintenancePlan.id, MaintenancePlan.title, MaintenancePlan.estimated_minutes,
        MaintenancePlan.every, MaintenancePlan.every_unit, MaintenancePlan.fixed,
        MaintenancePlan.starts_on, MaintenancePlan.next_due_on, MaintenancePlan.meter_id,
        MaintenancePlan.due_reading, MaintenancePlan.meter_every, Meter.last_value,
        Asset.code, Asset.name,
    ).join(Asset, Asset.id == MaintenancePlan.asset_id).outerjoin(
        Meter, Meter.id == MaintenancePlan.meter_id).where(
        MaintenancePlan.site_id == site_id, MaintenancePlan.paused.is_(False))


def _open_work(site_id: int):
    return select(WorkOrder.plan_id, WorkOrder.id, WorkOrder.reference, WorkOrder.due_on).where(
        WorkOrder.site_id == site_id, unfinished(), WorkOrder.plan_id.is_not(None))


def meter_rates(meter_ids: list[int], now: datetime) -> dict[int, float]:
    """Units per day of each meter over its readings of the last 90 days (resets aside)."""
    if not meter_ids:
        return {}
    rows = column_rows(select(
        MeterReading.meter_id, func.min(MeterReading.value), func.max(MeterReading.value),
        func.min(MeterReading.read_at), func.max(MeterReading.read_at),
    ).where(MeterReading.meter_id.in_(meter_ids), MeterReading.read_at >= now - RATE_WINDOW,
            MeterReading.is_reset.is_(False)).group_by(MeterReading.meter_id))
    rates = {}
    for meter_id, low, high, first, last in rows:
        days = (_moment(last) - _moment(first)).total_seconds() / 86400
        if days >= 1 and high > low:
            rates[meter_id] = float(Decimal(high) - Decimal(low)) / days
    return rates


def _moment(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def site_calendar(site, *, now: datetime | None = None, weeks: int = WEEKS,
                  shown: int = 0) -> Calendar:
    """The calendar of the next `weeks` weeks from this one; the items of week `shown`. Each
    due date is a day number from the first Monday (a site has thousands of plans: integers,
    not dates and records, until the week shown)."""
    now = now or utcnow()
    today = preventive.site_today(site, now)
    first_day = today - timedelta(days=today.weekday())  # weeks start on Monday
    window = Window(first_day, (today - first_day).days, weeks * 7)
    open_work = {row.plan_id: row for row in column_rows(_open_work(site.id))}
    plans = column_rows(_plans(site.id)).all()
    rates = meter_rates(sorted({p.meter_id for p in plans if p.meter_id}), now)
    week_list = [Week(first_day + timedelta(weeks=n)) for n in range(weeks)]
    counts, minutes = [0] * weeks, [0] * weeks
    overdue, waiting, shown_items = [], [], []  # (offset, plan, work) of the week shown
    # Plans whose triggers read alike fall due on the same days: their days are worked out
    # once per kind (a site's thousands of weekly and monthly plans are a few hundred kinds)
    alike: dict[tuple, list] = defaultdict(list)
    for plan in plans:
        work = open_work.get(plan.id)
        if work is not None and work.due_on and work.due_on < today:
            overdue.append(_due(plan, work.due_on, work))
        elif work is not None and (offset := ((work.due_on or today) - first_day).days) \
                < window.end:  # open early (a long lead), due past the weeks shown: not here
            counts[offset // 7] += 1
            minutes[offset // 7] += plan.estimated_minutes or 0
            if offset // 7 == shown:
                shown_items.append((offset, plan, work))
        if plan.meter_id is not None and plan.meter_id in rates:
            alike[("meter", plan.id)].append(plan)  # its own meter's rate: its own days
        else:
            alike[(plan.every, plan.every_unit, plan.fixed, plan.next_due_on,
                   plan.starts_on.day if plan.starts_on else None, work is not None)
                  ].append(plan)
        if plan.every is None and plan.meter_id and plan.meter_id not in rates and not work:
            waiting.append(_due(plan, today))
    for group in alike.values():
        first = group[0]
        offsets = list(_offsets(first, rates.get(first.meter_id), window,
                                open_work.get(first.id) is not None))
        if not offsets:
            continue
        spent = sum(plan.estimated_minutes or 0 for plan in group)
        for offset in offsets:
            counts[offset // 7] += len(group)
            minutes[offset // 7] += spent
            if offset // 7 == shown:
                shown_items.extend((offset, plan, None) for plan in group)
    first_listed = sorted(shown_items, key=lambda item: (item[0], item[1].code,
                                                         item[1].title))[:LISTED]
    week_list[shown].items = [_due(plan, first_day + timedelta(days=offset), work)
                              for offset, plan, work in first_listed]
    for week, count, spent in zip(week_list, counts, minutes, strict=True):
        week.count, week.minutes = count, spent
    return Calendar(today, week_list, sorted(overdue, key=_in_order)[:LISTED], len(overdue),
                    waiting[:LISTED])


@dataclass(frozen=True)
class Window:
    """The calendar's days as numbers: day 0 is the first Monday, `today` today's number,
    `end` the first day after the last week."""

    first_day: date
    today: int
    end: int


def _offsets(plan, rate: float | None, window: Window, after_open: bool):
    """The day numbers the plan falls due on in the window (a date past: today); with work
    open already, those after it. Days and weeks step by integers, months by `add_months`;
    a plan with a meter that has a rate goes through the projection of both triggers."""
    if plan.meter_id is not None and rate:
        until = window.first_day + timedelta(days=window.end - 1)
        today = window.first_day + timedelta(days=window.today)
        for day in _projected(plan, rate, today, until, after_open=after_open):
            yield (day - window.first_day).days
        return
    if not plan.every or plan.next_due_on is None:
        return
    if plan.every_unit in ("day", "week"):
        period = plan.every * (7 if plan.every_unit == "week" else 1)
        offset = (plan.next_due_on - window.first_day).days + (period if after_open else 0)
        if offset < window.today:  # overdue: fixed, the grid's next; floating, from today
            offset = offset + -(-(window.today - offset) // period) * period if plan.fixed \
                else window.today
        while offset < window.end:
            yield offset
            offset += period
        return
    yield from _month_offsets(plan, window, after_open)


def _month_offsets(plan, window: Window, after_open: bool):
    """Monthly plans: fixed, the grid from the first due date (its k-th date is k intervals
    from it, never chained); floating, each N months after the one before."""
    due, first = plan.next_due_on, True
    grid = ((due.year - plan.starts_on.year) * 12 + due.month - plan.starts_on.month) \
        // plan.every if plan.fixed else 0
    while (offset := (due - window.first_day).days) < window.end:
        if not (first and after_open):  # the open work order serves the first
            yield max(offset, window.today)
        first = False
        if plan.fixed:
            grid += 1
            due = triggers.add_months(plan.starts_on, plan.every * grid)
        else:
            due = triggers.add_months(due, plan.every)


def _in_order(item: Due) -> tuple:
    return item.day, item.asset_code, item.title


def _due(plan, day: date, work=None) -> Due:
    return Due(day=day, plan_id=plan.id, title=plan.title, asset_code=plan.code,
               asset_name=plan.name, minutes=plan.estimated_minutes,
               work_order_id=work.id if work else None, reference=work.reference if work
               else "")


def _week_of(day: date, first_day: date) -> date:
    return first_day + timedelta(weeks=max((day - first_day).days // 7, 0))


def _projected(plan, rate: float, today: date, until: date, *,
               after_open: bool) -> list[date]:
    """A meter plan's due dates from today to `until` (with its calendar, whichever first);
    with work open already, those after it."""
    calendar = (triggers.Calendar(plan.every, plan.every_unit, plan.fixed, plan.starts_on)
                if plan.every else None)
    meter_due = meter_period = None
    if rate and plan.due_reading is not None and plan.last_value is not None:
        remaining = float(Decimal(plan.due_reading) - Decimal(plan.last_value))
        meter_due = today + timedelta(days=max(remaining, 0) / rate)
        meter_period = float(plan.meter_every) / rate if plan.meter_every else None
    first = plan.next_due_on
    if after_open:  # the open work serves the current due date: the calendar goes on after it
        first = calendar.due_after(first) if calendar and first else None
        meter_due = meter_due + timedelta(days=meter_period) if meter_due and meter_period \
            else None
    dates = triggers.projected_dates(calendar, first, meter_due_on=meter_due,
                                     meter_period_days=meter_period, until=until)
    return [max(day, today) for day in dates]  # a due date past without work: today
