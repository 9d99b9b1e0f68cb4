"""Preventive maintenance plans and the work orders they generate (app.maintenance.preventive):
calendar and meter triggers, whichever first, lead times, completion and skips moving the
baselines, a site's own "today", idempotent generation, two workers generating at once."""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.core.domain import DomainError
from app.core.models import utcnow
from app.extensions import db
from app.maintenance import preventive, services, work_orders
from app.maintenance.models import Asset, MaintenancePlan, Meter, WorkOrder, WorkTask
from app.maintenance.preventive import PlanFields
from app.sites.models import Site
from tests.conftest import make_site, make_user
from tests.helpers import make_asset


@pytest.fixture
def boss(app, site):
    return make_user(app, username="sue", roles=("supervisor",), sites=[site])


@pytest.fixture
def ctx(app, site, boss):
    """A request context with the asset (and its run-hours meter) of the site, and its boss."""
    records = make_asset(app, site, boss)
    with app.test_request_context():
        asset = db.session.scalar(select(Asset).filter_by(public_id=records["asset_uuid"]))
        yield {"asset": asset, "meter": db.session.get(Meter, records["meter_id"]),
               "by": db.session.get(type(boss), boss.id)}


def _today(asset) -> date:
    return preventive.site_today(asset.site)


def _plan(ctx, **fields) -> MaintenancePlan:
    values = PlanFields(**{"title": "Service the pump", "tasks": "Grease bearings\nCheck seal",
                           **fields})
    return preventive.create_plan(ctx["asset"], values, by=ctx["by"])


def _work_of(plan) -> list[WorkOrder]:
    return db.session.scalars(select(WorkOrder).where(WorkOrder.plan_id == plan.id)
                              .order_by(WorkOrder.id)).all()


def _finish(work_order, by, to="done"):
    work_orders.move(work_order, "in_progress", by=by)
    work_orders.move(work_order, to, by=by, work_done="Serviced")


def test_a_plan_due_today_opens_its_work_order_once(ctx):
    plan = _plan(ctx, every=1, every_unit="week", starts_on=_today(ctx["asset"]))
    (work_order,) = _work_of(plan)
    assert (work_order.status, work_order.kind, work_order.due_on) == (
        "open", "preventive", _today(ctx["asset"]))
    assert work_order.plan_due_on == _today(ctx["asset"])
    assert [t.text for t in db.session.scalars(select(WorkTask).filter_by(
        work_order_id=work_order.id).order_by(WorkTask.position))] == [
        "Grease bearings", "Check seal"]
    assert preventive.generate_due() == 0
    assert preventive.generate_due() == 0
    assert len(_work_of(plan)) == 1


def test_completing_moves_a_fixed_calendar_on_its_grid(ctx):
    today = _today(ctx["asset"])
    plan = _plan(ctx, every=1, every_unit="week", starts_on=today - timedelta(days=3))
    (first,) = _work_of(plan)  # due three days ago: overdue, open now
    assert first.due_on == today - timedelta(days=3)
    _finish(first, ctx["by"])
    assert plan.last_done_on == today
    assert plan.next_due_on == today + timedelta(days=4)  # the grid, not a week from today
    assert len(_work_of(plan)) == 1
    later = datetime.combine(today + timedelta(days=4), datetime.min.time())
    assert preventive.generate_due(now=later) == 1
    assert _work_of(plan)[-1].due_on == today + timedelta(days=4)


def test_a_floating_calendar_counts_from_the_completion_and_opens_with_its_lead(ctx):
    today = _today(ctx["asset"])
    plan = _plan(ctx, every=10, every_unit="day", fixed=False,
                 starts_on=today - timedelta(days=3), lead_days=2)
    _finish(_work_of(plan)[0], ctx["by"])
    assert (plan.next_due_on, plan.opens_on) == (today + timedelta(days=10),
                                                 today + timedelta(days=8))
    almost = datetime.combine(today + timedelta(days=7), datetime.min.time())
    assert preventive.generate_due(now=almost) == 0
    assert preventive.generate_due(now=almost + timedelta(days=1)) == 1
    assert _work_of(plan)[-1].due_on == today + timedelta(days=10)


def test_skipped_work_moves_the_plan_on_and_repeated_skips_stand_out(ctx):
    today = _today(ctx["asset"])
    plan = _plan(ctx, every=1, every_unit="day", fixed=False, starts_on=today)
    work_orders.move(_work_of(plan)[0], "cancelled", by=ctx["by"], reason="No access")
    assert plan.next_due_on == today + timedelta(days=1)
    assert (plan.skipped_in_row, plan.stands_out) == (1, False)
    preventive.generate_due(now=utcnow() + timedelta(days=1))
    work_orders.move(_work_of(plan)[-1], "cancelled", by=ctx["by"], reason="No access")
    assert (plan.skipped_in_row, plan.stands_out) == (2, True)
    preventive.generate_due(now=utcnow() + timedelta(days=2))
    _finish(_work_of(plan)[-1], ctx["by"])
    assert (plan.skipped_in_row, plan.stands_out) == (0, False)


def test_a_reading_that_crosses_the_meter_interval_opens_work_at_once(ctx):
    meter, by = ctx["meter"], ctx["by"]
    services.record_reading(meter, Decimal(1000), by=by)
    plan = _plan(ctx, meter_id=meter.id, meter_every=Decimal(500), lead_units=Decimal(50))
    assert (plan.meter_baseline, plan.due_reading) == (Decimal(1000), Decimal(1500))
    services.record_reading(meter, Decimal(1449), by=by)
    assert _work_of(plan) == []
    services.record_reading(meter, Decimal(1460), by=by)  # within the lead: open, no date yet
    (work_order,) = _work_of(plan)
    assert (work_order.due_on, work_order.plan_due_reading) == (None, Decimal(1500))
    services.record_reading(meter, Decimal(1502), by=by)  # there: due today
    assert work_order.due_on == _today(ctx["asset"])
    services.record_reading(meter, Decimal(1510), by=by)
    _finish(work_order, by)
    assert (plan.meter_baseline, plan.due_reading) == (Decimal(1510), Decimal(2010))
    assert len(_work_of(plan)) == 1


def test_a_reading_above_or_below_a_limit_opens_work(ctx):
    meter, by = ctx["meter"], ctx["by"]
    meter.counting = False
    plan = _plan(ctx, meter_id=meter.id, meter_above=Decimal(80), meter_below=Decimal(20))
    services.record_reading(meter, Decimal(50), by=by)
    services.record_reading(meter, Decimal(80), by=by)
    assert _work_of(plan) == []
    services.record_reading(meter, Decimal("80.5"), by=by)
    services.record_reading(meter, Decimal(85), by=by)  # still above: the same work order
    assert len(_work_of(plan)) == 1
    _finish(_work_of(plan)[0], by)
    services.record_reading(meter, Decimal(10), by=by)
    assert len(_work_of(plan)) == 2


def test_a_meter_reset_keeps_what_the_plan_had_used_of_its_interval(ctx):
    meter, by = ctx["meter"], ctx["by"]
    services.record_reading(meter, Decimal(1000), by=by)
    plan = _plan(ctx, meter_id=meter.id, meter_every=Decimal(500))
    services.record_reading(meter, Decimal(1300), by=by)  # 300 of 500 used
    services.record_reading(meter, Decimal(0), is_reset=True, by=by)  # a new counter
    assert (plan.meter_baseline, plan.due_reading) == (Decimal(-300), Decimal(200))
    services.record_reading(meter, Decimal(199), by=by)
    assert _work_of(plan) == []
    services.record_reading(meter, Decimal(200), by=by)
    assert len(_work_of(plan)) == 1


def test_calendar_and_meter_whichever_comes_first_and_both_reset(ctx):
    meter, by = ctx["meter"], ctx["by"]
    today = _today(ctx["asset"])
    services.record_reading(meter, Decimal(100), by=by)
    plan = _plan(ctx, every=30, every_unit="day", fixed=False,
                 starts_on=today + timedelta(days=20), meter_id=meter.id,
                 meter_every=Decimal(200))
    services.record_reading(meter, Decimal(300), by=by)  # the meter first
    (work_order,) = _work_of(plan)
    assert work_order.due_on == today
    _finish(work_order, by)
    assert plan.next_due_on == today + timedelta(days=30)  # the calendar starts again too
    assert plan.due_reading == Decimal(500)


def test_the_sites_time_zone_decides_what_today_is(app, ctx):
    site = ctx["asset"].site  # Asia/Shanghai: UTC+8
    assert site.timezone == "Asia/Shanghai"
    evening_utc = datetime(2027, 3, 1, 17, 0)  # 1 March in London, 2 March in Shanghai
    plan = _plan(ctx, every=1, every_unit="month", starts_on=date(2027, 3, 2))
    assert _work_of(plan) == []
    assert preventive.generate_due(now=evening_utc - timedelta(hours=2)) == 0  # 23:00 there
    assert preventive.generate_due(now=evening_utc) == 1


def test_a_paused_plan_generates_nothing_until_it_is_resumed(ctx):
    today = _today(ctx["asset"])
    plan = _plan(ctx, every=1, every_unit="week", starts_on=today + timedelta(days=1))
    preventive.set_paused(plan, True, by=ctx["by"])
    assert preventive.generate_due(now=utcnow() + timedelta(days=2)) == 0
    preventive.set_paused(plan, False, by=ctx["by"])
    assert preventive.generate_due(now=utcnow() + timedelta(days=2)) == 1


def test_done_work_is_not_reopened_once_its_plan_opened_newer_work(ctx):
    plan = _plan(ctx, every=1, every_unit="day", fixed=False,
                 starts_on=_today(ctx["asset"]) - timedelta(days=5))
    first = _work_of(plan)[0]
    _finish(first, ctx["by"])  # floating: due again tomorrow
    preventive.generate_due(now=utcnow() + timedelta(days=1))
    assert len(_work_of(plan)) == 2
    with pytest.raises(DomainError, match="newer work"):
        work_orders.move(first, "in_progress", by=ctx["by"])


@pytest.mark.parametrize("fields, field", [
    ({}, "every"),
    ({"every": 0, "every_unit": "day", "starts_on": date(2027, 1, 1)}, "every"),
    ({"every": 1, "every_unit": "year", "starts_on": date(2027, 1, 1)}, "every_unit"),
    ({"every": 1, "every_unit": "week"}, "starts_on"),
    ({"every": 1, "every_unit": "week", "starts_on": date(2027, 1, 1), "lead_days": 7},
     "lead_days"),
    ({"meter_every": Decimal(5)}, "meter"),
    ({"meter_id": "own", "meter_every": Decimal(-5)}, "meter_every"),
    ({"meter_id": "own", "meter_every": Decimal(5), "lead_units": Decimal(5)}, "lead_units"),
    ({"meter_id": "own", "meter_above": Decimal(5), "meter_below": Decimal(5)}, "meter_below"),
    ({"meter_id": "own"}, "meter_every"),
    ({"meter_id": "own", "meter_every": Decimal("NaN")}, "meter_every"),
])
def test_a_plan_with_bad_triggers_is_refused_on_the_field(ctx, fields, field):
    if fields.get("meter_id") == "own":
        fields["meter_id"] = ctx["meter"].id
    with pytest.raises(DomainError) as refused:
        _plan(ctx, **fields)
    assert refused.value.field == field


def test_a_meter_of_another_asset_is_refused(app, site, ctx):
    other = make_asset(app, site, ctx["by"], code="FAN-9")
    with pytest.raises(DomainError) as refused:
        _plan(ctx, meter_id=other["meter_id"], meter_every=Decimal(10))
    assert refused.value.field == "meter"


def test_a_plan_copied_to_the_assets_of_its_category(app, site, ctx):
    for code in ("PUMP-2", "PUMP-3"):
        make_asset(app, site, ctx["by"], code=code)
    plan = _plan(ctx, meter_id=ctx["meter"].id, meter_every=Decimal(250))
    copies, left_out = preventive.copy_to_category(plan, by=ctx["by"])
    assert sorted(c.asset.code for c in copies) == ["PUMP-2", "PUMP-3"]
    assert left_out == 0
    assert all(c.meter.asset_id == c.asset_id for c in copies)
    assert preventive.copy_to_category(plan, by=ctx["by"]) == ([], 0)  # not twice


@pytest.mark.committed  # two workers: two connections, two transactions
def test_two_workers_generating_at_once_open_one_work_order(app, site):
    boss = make_user(app, username="sue", roles=("supervisor",), sites=[site])
    records = make_asset(app, site, boss)
    with app.app_context():
        asset = db.session.scalar(select(Asset).filter_by(public_id=records["asset_uuid"]))
        today = preventive.site_today(db.session.get(Site, site.id))
        for number in range(20):
            plan = MaintenancePlan(site_id=asset.site_id, asset_id=asset.id,
                                   title=f"Plan {number}", every=1, every_unit="day",
                                   fixed=True, starts_on=today)
            preventive.refresh(plan)
            db.session.add(plan)
        db.session.commit()
    start, errors, opened = threading.Barrier(4), [], []

    def worker():
        with app.app_context():
            try:
                start.wait()
                opened.append(preventive.generate_due())
                db.session.commit()
            except Exception as error:  # pragma: no cover - the assertion shows it
                errors.append(error)
                db.session.rollback()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(opened) == 20
    with app.app_context():
        per_plan = db.session.execute(select(WorkOrder.plan_id, func.count()).where(
            WorkOrder.plan_id.is_not(None)).group_by(WorkOrder.plan_id)).all()
        assert len(per_plan) == 20 and {count for _, count in per_plan} == {1}


def test_a_site_in_another_zone_is_not_a_day_early(app, ctx):
    west = make_site(app, name="West", code="WST", timezone="America/Los_Angeles")
    with app.test_request_context():
        assert preventive.site_today(db.session.get(Site, west.id),
                                     datetime(2027, 3, 2, 3, 0)) == date(2027, 3, 1)
