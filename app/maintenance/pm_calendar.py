"""The PM calendar of a site: the preventive work due over the next weeks, computed from the
plans (never stored), so that supervisors can level the load; and the generated work that is
open already, overdue first.

A meter plan's dates are estimates: the meter's recent rate (its readings of the last 90 days,
resets aside) says when it reaches the next due reading. A meter with no rate yet gives no
date: the plan shows under "waiting for the meter"."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.core.db import column_rows
from app.core.models import utcnow
from app.maintenance import preventive, triggers
from app.maintenance.models import (
    UNFINISHED,
    Asset,
    MaintenancePlan,
    Meter,
    MeterReading,
    WorkOrder,
)

WEEKS = 8
RATE_WINDOW = timedelta(days=90)


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
    starts_on: date
    items: list[Due]

    @property
    def minutes(self) -> int:
        return sum(item.minutes or 0 for item in self.items)


@dataclass
class Calendar:
    today: date
    weeks: list[Week]
    overdue: list[Due]
    waiting: list[Due]  # meter plans whose meter has no rate yet


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
        WorkOrder.site_id == site_id, WorkOrder.plan_id.is_not(None),
        WorkOrder.status.in_(UNFINISHED))


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


def site_calendar(site, *, now: datetime | None = None, weeks: int = WEEKS) -> Calendar:
    now = now or utcnow()
    today = preventive.site_today(site, now)
    first_day = today - timedelta(days=today.weekday())  # weeks start on Monday
    until = first_day + timedelta(weeks=weeks) - timedelta(days=1)
    open_work = {row.plan_id: row for row in column_rows(_open_work(site.id))}
    plans = column_rows(_plans(site.id)).all()
    rates = meter_rates(sorted({p.meter_id for p in plans if p.meter_id}), now)
    by_week: dict[date, list[Due]] = defaultdict(list)
    overdue, waiting = [], []
    for plan in plans:
        base = dict(plan_id=plan.id, title=plan.title, asset_code=plan.code,
                    asset_name=plan.name, minutes=plan.estimated_minutes)
        work = open_work.get(plan.id)
        if work is not None:
            item = Due(day=work.due_on or today, work_order_id=work.id,
                       reference=work.reference, **base)
            (overdue if work.due_on and work.due_on < today else
             by_week[_week_of(item.day, first_day)]).append(item)
        for day in _projected(plan, rates, today, until, after_open=work is not None):
            by_week[_week_of(day, first_day)].append(Due(day=day, **base))
        if plan.every is None and plan.meter_id and plan.meter_id not in rates and not work:
            waiting.append(Due(day=today, **base))
    week_list = [Week(first_day + timedelta(weeks=n),
                      sorted(by_week.get(first_day + timedelta(weeks=n), []),
                             key=lambda d: (d.day, d.asset_code))) for n in range(weeks)]
    return Calendar(today, week_list, sorted(overdue, key=lambda d: (d.day, d.asset_code)),
                    waiting)


def _week_of(day: date, first_day: date) -> date:
    return first_day + timedelta(weeks=max((day - first_day).days // 7, 0))


def _projected(plan, rates: dict[int, float], today: date, until: date, *,
               after_open: bool) -> list[date]:
    """The plan's due dates from today to `until`; with work open already, those after it."""
    calendar = (triggers.Calendar(plan.every, plan.every_unit, plan.fixed, plan.starts_on)
                if plan.every else None)
    rate = rates.get(plan.meter_id)
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
