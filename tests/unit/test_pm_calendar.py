"""The PM calendar (app.maintenance.pm_calendar) reads a site's calendar plans grouped by how
they fall due, and lists the week shown by one query: it says what projecting every plan on
its own says (the weeks' counts and hours, the items of each week, overdue and waiting work),
over fixed and floating plans by days, weeks and months, month ends, plans with open work
(due, overdue), paused ones, and meter plans with and without a rate."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.core.models import utcnow
from app.extensions import db
from app.maintenance import pm_calendar, preventive
from app.maintenance.models import (
    Asset,
    MaintenancePlan,
    Meter,
    MeterReading,
    WorkOrder,
)
from app.maintenance.pm_calendar import LISTED, LISTED_ASIDE, WEEKS, Window, _offsets
from app.maintenance.queries import UNFINISHED
from app.sites.models import Site


@pytest.fixture
def plans(app, site):
    """Forty assets, each with a few plans of every kind; some of them due already."""
    with app.test_request_context():
        site_ = db.session.get(Site, site.id)
        today = preventive.site_today(site_)
        kinds = [(1, "week", False), (1, "week", True), (2, "week", True), (3, "day", False),
                 (10, "day", True), (1, "month", True), (1, "month", False), (3, "month", True)]
        for number in range(40):
            asset = Asset(code=f"A-{number:02d}", name=f"Asset {number}", site_id=site.id)
            db.session.add(asset)
            db.session.flush()
            meter = Meter(asset_id=asset.id, name="Run hours", unit="h", counting=True,
                          last_value=Decimal(1000 + number), last_read_at=utcnow())
            db.session.add(meter)
            db.session.flush()
            if number % 3:  # a rate: read 30 days ago and now
                db.session.add_all([
                    MeterReading(meter_id=meter.id, value=Decimal(700 + number),
                                 read_at=utcnow() - timedelta(days=30)),
                    MeterReading(meter_id=meter.id, value=Decimal(1000 + number),
                                 read_at=utcnow())])
            for second in range(3):
                every, unit, fixed = kinds[(number + second) % len(kinds)]
                starts = today - timedelta(days=(number * 11 + second * 5) % 70) if number % 7 \
                    else today.replace(day=1) - timedelta(days=1)  # a month's end
                plan = MaintenancePlan(
                    site_id=site.id, asset_id=asset.id, title=f"Plan {second}",
                    estimated_minutes=15 * (1 + second), every=every, every_unit=unit,
                    fixed=fixed, starts_on=starts, calendar_from=starts - timedelta(days=1),
                    paused=number % 13 == 0 and second == 0, kind="preventive", priority=3,
                    lead_days=number % 3, lead_units=Decimal(0))
                if second == 2 and number % 2:  # a meter plan: with its calendar, or not
                    plan.meter_id, plan.meter_every = meter.id, Decimal(200 + 20 * number)
                    plan.meter_baseline = Decimal(900)
                    if number % 4 == 1:
                        plan.every, plan.every_unit, plan.starts_on = None, "", None
                        plan.calendar_from = None
                preventive.refresh(plan)
                db.session.add(plan)
        db.session.flush()
        preventive.generate_due()  # open work, some of it overdue
        db.session.commit()
        yield site_


def _reference(site, shown: int) -> tuple:
    """Every plan projected on its own."""
    now = utcnow()
    today = preventive.site_today(site, now)
    first_day = today - timedelta(days=today.weekday())
    window = Window(first_day, (today - first_day).days, WEEKS * 7)
    counts, minutes, items, overdue, waiting = [0] * WEEKS, [0] * WEEKS, [], [], []
    open_work = {order.plan_id: order for order in db.session.scalars(select(WorkOrder).where(
        WorkOrder.site_id == site.id, WorkOrder.status.in_(UNFINISHED),
        WorkOrder.plan_id.is_not(None)))}
    for plan in db.session.scalars(select(MaintenancePlan).where(
            MaintenancePlan.site_id == site.id, MaintenancePlan.paused.is_(False))):
        work = open_work.get(plan.id)
        if work is not None:
            due = work.due_on or today
            offset = (due - first_day).days
            if due < today:
                overdue.append((due, plan.asset.code, plan.title))
            elif offset < window.end:
                counts[offset // 7] += 1
                minutes[offset // 7] += plan.estimated_minutes or 0
                if offset // 7 == shown:
                    items.append((due, plan.asset.code, plan.title, work.reference))
        rate = _rate_of(plan.meter, now) if plan.meter_id else None
        row = SimpleNamespace(
            meter_id=plan.meter_id if rate else None, every=plan.every,
            every_unit=plan.every_unit, fixed=plan.fixed, starts_on=plan.starts_on,
            next_due_on=plan.next_due_on, due_reading=plan.due_reading,
            last_value=plan.meter.last_value if plan.meter else None,
            meter_every=plan.meter_every)
        if plan.meter_id and not rate and plan.every is None and work is None:
            waiting.append((plan.asset.code, plan.title))
        for offset in _offsets(row, rate, window, work is not None):
            counts[offset // 7] += 1
            minutes[offset // 7] += plan.estimated_minutes or 0
            if offset // 7 == shown:
                items.append((first_day + timedelta(days=offset), plan.asset.code, plan.title,
                              ""))
    return counts, minutes, sorted(items)[:LISTED], sorted(overdue)[:LISTED_ASIDE], \
        len(overdue), sorted(waiting)[:LISTED_ASIDE], len(waiting)


def _rate_of(meter, now) -> float | None:
    readings = db.session.scalars(select(MeterReading).where(
        MeterReading.meter_id == meter.id, MeterReading.read_at >= now - timedelta(days=90),
        MeterReading.is_reset.is_(False))).all()
    if len(readings) < 2:
        return None
    low, high = min(r.value for r in readings), max(r.value for r in readings)
    days = (max(r.read_at for r in readings) - min(r.read_at for r in readings)
            ).total_seconds() / 86400
    return float(high - low) / days if days >= 1 and high > low else None


@pytest.mark.parametrize("shown", range(WEEKS))
def test_the_calendar_of_grouped_plans_says_what_each_plan_projected_says(app, plans, shown):
    with app.test_request_context():
        site = db.session.get(Site, plans.id)
        calendar = pm_calendar.site_calendar(site, shown=shown)
        counts, minutes, items, overdue, overdue_count, waiting, waiting_count = _reference(
            site, shown)
        assert [week.count for week in calendar.weeks] == counts
        assert [week.minutes for week in calendar.weeks] == minutes
        assert sum(counts) > 40 * 3  # weekly plans and more
        assert [(i.day, i.asset_code, i.title, i.reference)
                for i in calendar.weeks[shown].items] == items
        assert [(i.day, i.asset_code, i.title) for i in calendar.overdue] == overdue
        assert calendar.overdue_count == overdue_count
        assert [(i.asset_code, i.title) for i in calendar.waiting] == waiting
        assert calendar.waiting_count == waiting_count
        if shown == 0:
            assert overdue_count > 0 and waiting
