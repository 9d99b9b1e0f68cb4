"""A site's PM calendar is kept between requests (app.core.cache): worked out once, read as
one row, and worked out again as soon as anything it shows changes (a plan, its generated
work, a meter reading, an asset's name, the site's today), never for a change elsewhere; the
change count goes up once per transaction that committed, in it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, update

from app.auth.models import User
from app.core.models import ChangeCount, KeptResult, utcnow
from app.extensions import db
from app.maintenance import pm_calendar, preventive, services
from app.maintenance.models import Asset, MaintenancePlan, Meter, MeterReading, WorkOrder
from app.sites.models import Site
from tests.conftest import make_user
from tests.unit.test_pm_calendar import plans  # noqa: F401 (the fixture of forty assets)


@pytest.fixture
def small(app, site):
    """An asset with a weekly plan (its work open) and a meter plan every 100 hours."""
    with app.test_request_context():
        today = preventive.site_today(db.session.get(Site, site.id))
        asset = Asset(code="P-1", name="Pump", site_id=site.id)
        db.session.add(asset)
        db.session.flush()
        meter = Meter(asset_id=asset.id, name="Run hours", unit="h", counting=True,
                      last_value=Decimal(0), last_read_at=utcnow())
        db.session.add(meter)
        db.session.flush()
        weekly = MaintenancePlan(site_id=site.id, asset_id=asset.id, title="Weekly check",
                                 every=1, every_unit="week", fixed=False, starts_on=today,
                                 calendar_from=today - timedelta(days=7), kind="preventive",
                                 priority=3, lead_days=0, lead_units=Decimal(0),
                                 estimated_minutes=30)
        metered = MaintenancePlan(site_id=site.id, asset_id=asset.id, title="Oil change",
                                  meter_id=meter.id, meter_every=Decimal(100),
                                  meter_baseline=Decimal(0), kind="preventive", priority=3,
                                  lead_days=0, lead_units=Decimal(0), every_unit="")
        for plan in (weekly, metered):
            preventive.refresh(plan)
        db.session.add_all([weekly, metered])
        db.session.flush()
        preventive.generate_due()
        db.session.commit()
        yield {"site": site.id, "asset": asset.id, "meter": meter.id, "weekly": weekly.id,
               "metered": metered.id}


@pytest.fixture
def person(app, site):
    return make_user(app, username="sue", roles=("supervisor",), sites=[site]).id


def _kept(site_id: int, **kwargs) -> pm_calendar.Calendar:
    return pm_calendar.kept_calendar(db.session.get(Site, site_id), **kwargs)


def _titles(calendar) -> list[str]:
    return [item.title for week in calendar.weeks for item in week.items] + \
        [item.title for item in calendar.waiting]


def _changes(site_id: int) -> int:
    return db.session.scalar(select(ChangeCount.value).where(
        ChangeCount.name == pm_calendar.KEPT, ChangeCount.site_id == site_id)) or 0


@pytest.mark.parametrize("shown", (0, 3))
def test_a_kept_calendar_says_what_working_it_out_says(app, plans, shown):  # noqa: F811
    with app.test_request_context():
        worked_out = pm_calendar.site_calendar(db.session.get(Site, plans.id), shown=shown)
        assert _kept(plans.id, shown=shown) == worked_out  # worked out, then kept
        assert db.session.scalar(select(KeptResult.key).where(
            KeptResult.site_id == plans.id)) == str(shown)
        assert _kept(plans.id, shown=shown) == worked_out  # read from what was kept


def test_the_kept_calendar_is_read_until_something_it_shows_changes(app, small):
    with app.test_request_context():
        assert "Weekly check" in _titles(_kept(small["site"]))
        # a change no listener sees (as if the row were written behind its back): still kept
        db.session.execute(update(MaintenancePlan).where(
            MaintenancePlan.id == small["weekly"]).values(title="Renamed behind its back"))
        db.session.commit()
        assert "Weekly check" in _titles(_kept(small["site"]))
        plan = db.session.get(MaintenancePlan, small["weekly"])
        plan.title = "Weekly inspection"
        db.session.commit()
        assert "Weekly inspection" in _titles(_kept(small["site"]))


def test_a_paused_plan_and_done_work_change_the_kept_calendar(app, small, person):
    with app.test_request_context():
        before = _kept(small["site"])
        week = sum(week.count for week in before.weeks)
        plan = db.session.get(MaintenancePlan, small["weekly"])
        preventive.set_paused(plan, True, by=db.session.get(User, person))
        db.session.commit()
        assert sum(week.count for week in _kept(small["site"]).weeks) < week
        preventive.set_paused(plan, False, by=db.session.get(User, person))
        db.session.commit()
        order = db.session.get(WorkOrder, plan.open_work_order_id)
        assert order.reference in {item.reference for item in _kept(small["site"]).weeks[0]
                                   .items}
        order.status, order.done_at = "closed", utcnow()
        order.done_on = order.done_at.date()
        preventive.completed(order)
        db.session.commit()
        assert order.reference not in {item.reference for week in _kept(small["site"]).weeks
                                       for item in week.items}


def test_a_meter_reading_changes_the_kept_calendar(app, small, person):
    with app.test_request_context():
        assert "Oil change" in [item.title for item in _kept(small["site"]).waiting]  # no rate
        meter = db.session.get(Meter, small["meter"])
        db.session.execute(insert(MeterReading).values(  # 20 days ago, behind its back
            meter_id=meter.id, value=Decimal(0), read_at=utcnow() - timedelta(days=20),
            is_reset=False, note=""))
        db.session.commit()
        assert _kept(small["site"]).waiting  # still what was kept
        services.record_reading(meter, Decimal(40), by=db.session.get(User, person))
        db.session.commit()
        assert _kept(small["site"]).waiting == []  # a rate now: on the calendar


def test_an_asset_renamed_and_a_new_day_change_the_kept_calendar(app, small):
    with app.test_request_context():
        assert {item.asset_code for item in _kept(small["site"]).weeks[0].items} == {"P-1"}
        db.session.get(Asset, small["asset"]).code = "P-100"
        db.session.commit()
        assert {item.asset_code for item in _kept(small["site"]).weeks[0].items} == {"P-100"}
        tomorrow = _kept(small["site"], now=utcnow() + timedelta(days=1))
        assert tomorrow.today == _kept(small["site"]).today + timedelta(days=1)


def test_the_change_count_goes_up_once_per_transaction_and_not_for_other_work(app, small):
    with app.test_request_context():
        before = _changes(small["site"])
        plan = db.session.get(MaintenancePlan, small["weekly"])
        plan.title, plan.estimated_minutes = "Weekly check 2", 45
        db.session.flush()
        plan.tasks = "Look\nListen"
        db.session.commit()
        assert _changes(small["site"]) == before + 1
        db.session.add(WorkOrder(reference="WO-X-1", site_id=small["site"],
                                 asset_id=small["asset"], kind="corrective",
                                 description="Leaking", status="open"))
        db.session.commit()  # corrective work is not on the calendar
        assert _changes(small["site"]) == before + 1
        plan.title = "Rolled back"
        db.session.flush()
        db.session.rollback()
        assert _changes(small["site"]) == before + 1


def test_a_payload_of_another_shape_is_worked_out_again(app, small, monkeypatch):
    with app.test_request_context():
        kept = _kept(small["site"])
        monkeypatch.setattr(pm_calendar, "KEPT_SHAPE", pm_calendar.KEPT_SHAPE + 1)
        db.session.execute(update(KeptResult).values(payload="{}"))  # what an old one held
        db.session.commit()
        assert _kept(small["site"]) == kept
        assert date.fromisoformat(db.session.scalar(select(KeptResult.version)).split(
            "/")[1]) == kept.today
