"""The PM calendar of a site: the preventive work due over the next weeks, computed from the
plans (never stored), so that supervisors can level the load; and the generated work that is
open already, overdue first.

A meter plan's dates are estimates: the meter's recent rate (its readings of the last 90 days,
resets aside) says when it reaches the next due reading. A meter with no rate yet gives no
date: the plan shows under "waiting for the meter"."""

from collections import defaultdict
from dataclasses import astuple, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    Date,
    and_,
    case,
    func,
    literal,
    select,
    tuple_,
    union_all,
)

from app.core import cache
from app.core.db import column_rows, writing_now
from app.core.models import utcnow
from app.extensions import db
from app.maintenance import preventive, rollup, triggers
from app.maintenance.models import (
    Asset,
    MaintenancePlan,
    Meter,
    MeterReading,
    WorkOrder,
)
from app.maintenance.queries import unfinished
from app.sites.models import Site

WEEKS = 8
RATE_WINDOW = timedelta(days=90)
# A site of thousands of plans counts them: a phone lists the first of the week shown, and
# fewer of the overdue (the work order list has them all) and of those waiting for a meter
LISTED = 50
LISTED_ASIDE = 20


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
    overdue: list[Due]  # the first LISTED_ASIDE, oldest first
    overdue_count: int
    waiting: list[Due]  # meter plans whose meter has no rate yet (the first LISTED_ASIDE)
    waiting_count: int = 0


@dataclass(frozen=True)
class Window:
    """The calendar's days as numbers: day 0 is the first Monday, `today` today's number,
    `end` the first day after the last week."""

    first_day: date
    today: int
    end: int


KEPT = "pm_calendar"  # the kept calendars' name (core.cache)
KEPT_SHAPE = 1  # goes up when what a kept calendar holds changes shape


def kept_calendar(site, *, shown: int = 0, now: datetime | None = None) -> Calendar:
    """The site's calendar (`site_calendar`), kept between requests until the site's plans,
    their work, its meters or the names of its assets change, or its today does: worked out
    from its thousands of plans once, then read as one row (core.cache)."""
    now = now or utcnow()
    today = preventive.site_today(site, now)
    changes, version, payload = db.session.execute(cache.state(KEPT, site.id,
                                                               str(shown))).one()
    wanted = f"{KEPT_SHAPE}/{today.isoformat()}/{changes}"
    if version == wanted:
        return _calendar_of(cache.loaded(payload))
    calendar = site_calendar(site, now=now, shown=shown)
    with writing_now():
        cache.keep(KEPT, site.id, str(shown), wanted, _payload_of(calendar))
    return calendar


def _payload_of(calendar: Calendar) -> dict:
    def items(dues):
        return [[due.day.isoformat(), *astuple(due)[1:]] for due in dues]
    return {"today": calendar.today.isoformat(),
            "weeks": [[week.starts_on.isoformat(), week.count, week.minutes, items(week.items)]
                      for week in calendar.weeks],
            "overdue": items(calendar.overdue), "overdue_count": calendar.overdue_count,
            "waiting": items(calendar.waiting), "waiting_count": calendar.waiting_count}


def _calendar_of(payload: dict) -> Calendar:
    def items(rows):
        return [Due(date.fromisoformat(day), *rest) for day, *rest in rows]
    return Calendar(date.fromisoformat(payload["today"]),
                    [Week(date.fromisoformat(starts_on), count, minutes, items(listed))
                     for starts_on, count, minutes, listed in payload["weeks"]],
                    items(payload["overdue"]), payload["overdue_count"],
                    items(payload["waiting"]), payload["waiting_count"])


def site_calendar(site, *, now: datetime | None = None, weeks: int = WEEKS,
                  shown: int = 0) -> Calendar:
    """The calendar of the next `weeks` weeks from this one; the items of week `shown`.

    A site has thousands of plans: the calendar plans are read grouped by how they fall due
    (those alike fall due on the same days: a few hundred kinds), their days worked out once
    per group as day numbers from the first Monday; meter plans one by one (each its meter's
    rate); open work by its due date. Only the week shown becomes records, read by one query
    of its first items. Five queries (four with nothing overdue)."""
    now = now or utcnow()
    today = preventive.site_today(site, now)
    first_day = today - timedelta(days=today.weekday())  # weeks start on Monday
    window = Window(first_day, (today - first_day).days, weeks * 7)
    week_list = [Week(first_day + timedelta(weeks=n)) for n in range(weeks)]
    overdue_count = _count_open_work(site.id, window, week_list)
    meter_plans = column_rows(_meter_plans(site.id, now)).all()
    rates = {plan.id: rate for plan in meter_plans if (rate := _rate(plan))}
    shown_groups: dict[int, list[tuple]] = defaultdict(list)  # day number -> group keys
    shown_metered: list[tuple[int, object]] = []
    for group in column_rows(_calendar_groups(site.id, list(rates))):
        for offset in _offsets(group, None, window, bool(group.open)):
            _count(week_list[offset // 7], group.count, group.minutes)
            if offset // 7 == shown:
                shown_groups[offset].append(tuple(group)[:len(GROUP_KEYS)])
    for plan in meter_plans:
        if plan.id in rates:
            for offset in _offsets(plan, rates[plan.id], window, bool(plan.open)):
                _count(week_list[offset // 7], 1, plan.estimated_minutes)
                if offset // 7 == shown:
                    shown_metered.append((offset, plan))
    week_list[shown].items = _week_items(site.id, window, shown, shown_groups, shown_metered)
    waiting = sorted((plan for plan in meter_plans if plan.every is None and
                      plan.id not in rates and not plan.open), key=lambda p: (p.code, p.title))
    overdue = _overdue(site.id, today) if overdue_count else []
    return Calendar(today, week_list, overdue, overdue_count,
                    [_due(plan, today) for plan in waiting[:LISTED_ASIDE]], len(waiting))


def _count(week: Week, count: int, minutes: int | None) -> None:
    week.count += count
    week.minutes += minutes or 0


def _count_open_work(site_id: int, window: Window, week_list: list[Week]) -> int:
    """Open generated work counted in the week it is due (without a due date: today); open
    early with a long lead, due past the weeks shown, not here. Returns how many are
    overdue."""
    due = func.coalesce(WorkOrder.due_on, window.first_day + timedelta(days=window.today))
    rows = column_rows(select(due, func.count(), func.sum(MaintenancePlan.estimated_minutes))
                       .select_from(WorkOrder).join(
        MaintenancePlan, MaintenancePlan.id == WorkOrder.plan_id).where(
        WorkOrder.site_id == site_id, unfinished()).group_by(due))
    overdue = 0
    for day, count, minutes in rows:
        offset = (_day(day) - window.first_day).days
        if offset < window.today:
            overdue += count
        elif offset < window.end:
            _count(week_list[offset // 7], count, minutes)
    return overdue


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _meter_plans(site_id: int, now: datetime):
    """The site's meter plans, one row each, with their meter's readings of the last 90 days
    (resets aside) summed up for its rate."""
    readings = select(
        MeterReading.meter_id, func.min(MeterReading.value).label("low"),
        func.max(MeterReading.value).label("high"),
        func.min(MeterReading.read_at).label("first_read"),
        func.max(MeterReading.read_at).label("last_read"),
    ).where(MeterReading.meter_id.in_(select(MaintenancePlan.meter_id).where(
        MaintenancePlan.site_id == site_id, MaintenancePlan.meter_id.is_not(None))),
        MeterReading.read_at >= now - RATE_WINDOW, MeterReading.is_reset.is_(False)).group_by(
        MeterReading.meter_id).subquery()
    return select(
        *_plan_columns(), MaintenancePlan.meter_id, MaintenancePlan.due_reading,
        MaintenancePlan.meter_every, Meter.last_value, readings.c.low, readings.c.high,
        readings.c.first_read, readings.c.last_read,
    ).join(Asset, Asset.id == MaintenancePlan.asset_id).join(
        Meter, Meter.id == MaintenancePlan.meter_id).outerjoin(
        readings, readings.c.meter_id == MaintenancePlan.meter_id).where(
        MaintenancePlan.site_id == site_id, MaintenancePlan.paused.is_(False))


def _plan_columns():
    return (MaintenancePlan.id, MaintenancePlan.title, MaintenancePlan.estimated_minutes,
            MaintenancePlan.every, MaintenancePlan.every_unit, MaintenancePlan.fixed,
            MaintenancePlan.starts_on, MaintenancePlan.next_due_on,
            MaintenancePlan.open_work_order_id.is_not(None).label("open"), Asset.code,
            Asset.name)


def _rate(plan) -> float | None:
    """Units per day of the plan's meter over its readings of the last 90 days."""
    if plan.first_read is None:
        return None
    days = (_moment(plan.last_read) - _moment(plan.first_read)).total_seconds() / 86400
    if days >= 1 and plan.high > plan.low:
        return float(Decimal(plan.high) - Decimal(plan.low)) / days
    return None


def _moment(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


# what decides the days a calendar plan falls due: plans alike share them
GROUP_KEYS = ("every", "every_unit", "fixed", "next_due_on", "day_of_month", "open")


def _group_key():
    """The columns of GROUP_KEYS (a start counts only by its day of the month, and only for
    a fixed monthly grid; open work moves the days on by one)."""
    day_of_month = case((and_(MaintenancePlan.every_unit == "month",
                              MaintenancePlan.fixed.is_(True)),
                         func.extract("day", MaintenancePlan.starts_on)), else_=0)
    opened = case((MaintenancePlan.open_work_order_id.is_not(None), 1), else_=0)
    return (MaintenancePlan.every, MaintenancePlan.every_unit, MaintenancePlan.fixed,
            MaintenancePlan.next_due_on, day_of_month, opened)


def _calendar_groups(site_id: int, metered: list[int]):
    """The site's calendar plans by how they fall due: a group's keys, then what `_offsets`
    reads (a start with the group's day of the month), how many and their minutes. Meter
    plans whose meter has a rate are projected one by one, so left out."""
    keys = _group_key()
    statement = select(
        *(key.label(name) for key, name in zip(keys, GROUP_KEYS, strict=True)),
        func.min(MaintenancePlan.starts_on).label("starts_on"),
        literal(None).label("meter_id"), func.count().label("count"),
        func.sum(MaintenancePlan.estimated_minutes).label("minutes"),
    ).where(MaintenancePlan.site_id == site_id, MaintenancePlan.paused.is_(False),
            MaintenancePlan.every.is_not(None),
            MaintenancePlan.next_due_on.is_not(None)).group_by(*keys)
    return statement.where(MaintenancePlan.id.not_in(metered)) if metered else statement


def _week_items(site_id: int, window: Window, shown: int, groups: dict[int, list[tuple]],
                metered: list[tuple[int, object]]) -> list[Due]:
    """The first LISTED items of the week shown, by day, asset and title: its open work and
    the plans of the groups that fall due on each of its days (one query), with its meter
    plans."""
    start = window.first_day + timedelta(days=shown * 7)
    today = window.first_day + timedelta(days=window.today)
    due = func.coalesce(WorkOrder.due_on, today)
    parts = [_open_work_items(site_id, due).where(due >= max(start, today),
                                                  due < start + timedelta(days=7))]
    for offset, keys in sorted(groups.items()):  # a part per day (an expanding IN of the
        # groups' keys: one statement, compiled once, whatever the groups)
        parts.append(select(
            literal(window.first_day + timedelta(days=offset), Date).label("day"),
            *_plan_columns(), literal(None), literal(""),
        ).join(Asset, Asset.id == MaintenancePlan.asset_id).where(
            MaintenancePlan.site_id == site_id, MaintenancePlan.paused.is_(False),
            MaintenancePlan.every.is_not(None),
            MaintenancePlan.next_due_on.in_({key[3] for key in keys}),  # through its index
            tuple_(*_group_key()).in_(keys),
            MaintenancePlan.id.not_in([plan.id for _offset, plan in metered] or [0])))
    listed = union_all(*parts).subquery()
    # a group due twice on a day (two dates past, both today) lists its plans twice, as the
    # week counts them
    times = {(offset, key): keys.count(key) for offset, keys in groups.items() for key in keys}
    rows = [(_day(row.day), row.code, row.title, row) for row in column_rows(
        select(listed).order_by(listed.c.day, listed.c.code, listed.c.title).limit(LISTED))
        for _ in range(times.get(((_day(row.day) - window.first_day).days, _key_of(row)), 1))]
    rows += [(window.first_day + timedelta(days=offset), plan.code, plan.title, plan)
             for offset, plan in metered]
    return [_due(row, day, row if getattr(row, "work_order_id", None) else None)
            for day, _code, _title, row in sorted(rows, key=lambda r: r[:3])[:LISTED]]


def _key_of(row) -> tuple:
    """A plan row's GROUP_KEYS, as `_group_key` says them in SQL."""
    month_grid = row.every_unit == "month" and row.fixed and row.starts_on
    return (row.every, row.every_unit, row.fixed, _day(row.next_due_on) if row.next_due_on
            else None, _day(row.starts_on).day if month_grid else 0, 1 if row.open else 0)


def _overdue(site_id: int, today: date) -> list[Due]:
    """The first LISTED_ASIDE overdue items, oldest first."""
    rows = column_rows(_open_work_items(site_id, WorkOrder.due_on).where(
        WorkOrder.due_on < today).order_by(
        WorkOrder.due_on, Asset.code, MaintenancePlan.title).limit(LISTED_ASIDE))
    return [_due(row, _day(row.day), row) for row in rows]


def _open_work_items(site_id: int, day):
    """The site's open generated work as calendar items: on `day`, with its plan and asset."""
    return select(day.label("day"), *_plan_columns(), WorkOrder.id.label("work_order_id"),
                  WorkOrder.reference).select_from(WorkOrder).join(
        MaintenancePlan, MaintenancePlan.id == WorkOrder.plan_id).join(
        Asset, Asset.id == WorkOrder.asset_id).where(WorkOrder.site_id == site_id,
                                                     unfinished())


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


def _due(plan, day: date, work=None) -> Due:
    return Due(day=day, plan_id=plan.id, title=plan.title, asset_code=plan.code,
               asset_name=plan.name, minutes=plan.estimated_minutes,
               work_order_id=work.id if work else None, reference=work.reference if work
               else "")


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


# --- what a kept calendar depends on --------------------------------------------------------------

def _history_values(record, name: str) -> set:
    return set(rollup.values_of(record, name, old=True))


def _site_of_meter(session, meter_id: int | None) -> int | None:
    meter = session.get(Meter, meter_id) if meter_id else None
    return rollup.site_of_asset(session, meter.asset_id) if meter else None


def _sites_changed(session, record, state: str) -> set:
    """The sites whose calendar the change to `record` changes (None among them: none)."""
    if isinstance(record, MaintenancePlan):
        return _history_values(record, "site_id")
    if isinstance(record, WorkOrder):
        planned = _history_values(record, "plan_id") - {None}
        return _history_values(record, "site_id") if planned else set()
    if isinstance(record, Asset):  # a new asset has no plans yet
        renamed = state == "deleted" or (state == "dirty" and rollup.has_changed(
            record, "code", "name", "site_id"))
        return _history_values(record, "site_id") if renamed else set()
    if isinstance(record, Meter):
        return {rollup.site_of_asset(session, asset_id)
                for asset_id in _history_values(record, "asset_id")}
    if isinstance(record, MeterReading):
        return {_site_of_meter(session, meter_id)
                for meter_id in _history_values(record, "meter_id")}
    if isinstance(record, Site) and state == "dirty" and rollup.has_changed(record,
                                                                            "timezone"):
        return {record.id}
    return set()


# A kept calendar goes out of date with a change to a plan, to generated work (its status, due
# date, reference), to a meter or its readings (a meter plan's dates), to an asset's code, name
# or site, or to a site's time zone.
cache.watch(KEPT, _sites_changed)
