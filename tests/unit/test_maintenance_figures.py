"""Maintenance figures (app.maintenance.figures) on a small, known history: availability with
overlapping and clipped downtime, MTBF, MTTR, PM compliance (late and skipped work, work not due
yet), labour hours, planned against unplanned, the assets down longest, and "-" (None) when
there is nothing to count."""

from datetime import date, datetime, timedelta

import pytest

from app.extensions import db
from app.maintenance import figures
from app.maintenance.models import (
    Asset,
    Downtime,
    LabourEntry,
    MaintenanceCode,
    MaintenancePlan,
    WorkOrder,
)
from app.sites.models import Site
from tests.conftest import make_user

# Thursday 25 March 2027, noon in Shanghai; the 4 weeks are the weeks from Monday 1 March
NOW = datetime(2027, 3, 25, 4, 0)
START = datetime(2027, 2, 28, 16, 0)  # Monday 1 March, midnight in Shanghai
HOURS = (NOW - START).total_seconds() / 3600  # 588


@pytest.fixture
def history(app, site):
    boss = make_user(app, username="sue", roles=("supervisor",), sites=[site])
    with app.test_request_context():
        site_ = db.session.get(Site, site.id)
        pumps = MaintenanceCode(kind="category", name="Pumps")
        fans = MaintenanceCode(kind="category", name="Fans")
        db.session.add_all([pumps, fans])
        db.session.flush()
        a = Asset(code="P-1", name="Pump 1", site_id=site.id, category_id=pumps.id)
        b = Asset(code="P-2", name="Pump 2", site_id=site.id, category_id=pumps.id)
        retired = Asset(code="P-9", name="Old pump", site_id=site.id, category_id=pumps.id,
                        status="retired")
        db.session.add_all([a, b, retired])
        db.session.flush()
        plan = MaintenancePlan(site_id=site.id, asset_id=a.id, title="Service", every=1,
                               every_unit="week", starts_on=date(2027, 3, 1))
        db.session.add(plan)
        db.session.flush()
        numbers = iter(range(1, 100))

        def work(asset, kind, created, **fields):
            order = WorkOrder(reference=f"WO-T-{next(numbers)}", site_id=site.id,
                              asset_id=asset.id, kind=kind, description="x",
                              status=fields.pop("status", "closed"), created_at=created,
                              **fields)
            db.session.add(order)
            return order

        first = work(a, "corrective", datetime(2027, 3, 2), done_at=datetime(2027, 3, 2, 12))
        work(b, "emergency", datetime(2027, 3, 2, 12), done_at=datetime(2027, 3, 2, 18))
        work(a, "corrective", datetime(2027, 3, 3), status="rejected")
        work(a, "corrective", datetime(2027, 2, 20), done_at=datetime(2027, 2, 21))  # before
        for due, done_on, status in ((date(2027, 3, 10), date(2027, 3, 9), "closed"),
                                     (date(2027, 3, 12), date(2027, 3, 14), "closed"),
                                     (date(2027, 3, 15), None, "cancelled"),
                                     (date(2027, 3, 30), None, "open")):
            work(a, "preventive", datetime(2027, 3, 5), plan_id=plan.id, due_on=due,
                 done_on=done_on, status=status,
                 done_at=datetime.combine(done_on, datetime.min.time()) if done_on else None)
        db.session.flush()
        db.session.add_all([
            Downtime(asset_id=a.id, started_at=datetime(2027, 3, 2),
                     ended_at=datetime(2027, 3, 2, 10)),
            Downtime(asset_id=a.id, started_at=datetime(2027, 3, 2, 5),
                     ended_at=datetime(2027, 3, 2, 12)),  # overlaps: 12 h in all
            Downtime(asset_id=b.id, started_at=datetime(2027, 2, 27),
                     ended_at=datetime(2027, 3, 1)),  # 8 h of it in the period
            LabourEntry(work_order_id=first.id, user_id=boss.id,
                        started_at=datetime(2027, 3, 2, 1), minutes=90),
            LabourEntry(work_order_id=first.id, user_id=boss.id,
                        started_at=datetime(2027, 3, 2, 3), minutes=30),
            LabourEntry(work_order_id=first.id, user_id=boss.id,
                        started_at=datetime(2027, 2, 1), minutes=600),  # before
        ])
        db.session.flush()
        yield {"site": site_, "user": db.session.get(type(boss), boss.id), "a": a, "b": b,
               "pumps": pumps, "fans": fans}


def _figures(history, **scope):
    return figures.site_figures(history["user"], history["site"], figures.Scope(
        history["site"].id, **scope), period="4w", now=NOW)


def test_the_weeks_of_the_period_in_the_sites_zone(history):
    found = _figures(history)
    assert [b.label for b in found.buckets] == ["03-01", "03-08", "03-15", "03-22"]
    assert (found.start, found.end) == (START, NOW)


def test_availability_merges_overlapping_downtime_and_clips_it_to_the_period(history):
    found = _figures(history)
    assert found.assets == 2  # the retired pump does not count
    assert found.operating_hours == pytest.approx(2 * HOURS)
    assert found.downtime_hours == pytest.approx(20)
    assert found.availability == pytest.approx((2 * HOURS - 20) / (2 * HOURS) * 100)
    assert found.buckets[0].downtime_hours == pytest.approx(20)
    assert found.top_downtime[0][1:] == ("P-1", "Pump 1", pytest.approx(12))
    assert found.top_downtime[1][1:] == ("P-2", "Pump 2", pytest.approx(8))


def test_mtbf_and_mttr_count_failures_not_rejected_requests_or_planned_work(history):
    found = _figures(history)
    assert found.failures == 2
    assert found.mtbf == pytest.approx((2 * HOURS - 20) / 2)
    assert found.mttr == pytest.approx(9)  # 12 h and 6 h
    assert (found.planned, found.unplanned) == (4, 2)
    assert found.planned_share == pytest.approx(4 / 6 * 100)


def test_pm_compliance_counts_late_and_skipped_work_but_not_work_not_due_yet(history):
    found = _figures(history)
    assert found.pm_compliance == pytest.approx(100 / 3)  # on time, late, skipped
    assert [(b.pm_due, b.pm_on_time) for b in found.buckets] == [(0, 0), (2, 1), (1, 0),
                                                                 (0, 0)]
    assert found.buckets[0].pm_compliance is None  # none due: "-", not 100 %


def test_labour_hours_of_the_period(history):
    assert _figures(history).labour_hours == pytest.approx(2)


def test_one_asset_and_one_category(history):
    pump_2 = _figures(history, asset_id=history["b"].id)
    assert (pump_2.assets, pump_2.failures, pump_2.downtime_hours) == (1, 1, pytest.approx(8))
    assert pump_2.mttr == pytest.approx(6) and pump_2.pm_compliance is None
    pumps = _figures(history, category_id=history["pumps"].id)
    assert (pumps.assets, pumps.failures) == (2, 2)


def test_nothing_to_count_is_none_not_zero_or_a_hundred(history):
    fans = _figures(history, category_id=history["fans"].id)
    assert fans.assets == 0
    assert (fans.availability, fans.mtbf, fans.mttr, fans.pm_compliance,
            fans.planned_share) == (None, None, None, None, None)
    assert fans.top_downtime == [] and fans.labour_hours == 0


def test_a_year_by_month(history):
    buckets = figures.buckets_of("12m", "Asia/Shanghai", NOW)
    assert [b.label for b in buckets][:2] == ["2026-04", "2026-05"]
    assert buckets[-1].label == "2027-03" and buckets[-1].end == NOW
    assert buckets[0].start == datetime(2026, 3, 31, 16, 0)
    assert buckets[1].start - buckets[0].start == timedelta(days=30)


def test_downtime_still_open_counts_up_to_now_and_once_however_many_spans(history):
    """Two spans of one asset still open (one inside the other), and another's span closed
    today overlapped by one still open: each asset's hours once, today's to now."""
    a, b = history["a"], history["b"]
    db.session.add_all([
        Downtime(asset_id=a.id, started_at=NOW - timedelta(hours=72)),
        Downtime(asset_id=a.id, started_at=NOW - timedelta(hours=24)),
        Downtime(asset_id=b.id, started_at=datetime(2027, 3, 24, 20),
                 ended_at=datetime(2027, 3, 25, 2)),
        Downtime(asset_id=b.id, started_at=datetime(2027, 3, 25, 1))])
    db.session.flush()
    found = _figures(history)
    assert found.top_downtime[0][1:] == ("P-1", "Pump 1", pytest.approx(12 + 72))
    assert found.top_downtime[1][1:] == ("P-2", "Pump 2", pytest.approx(8 + 8))
    assert found.downtime_hours == pytest.approx(100)
    # the last week: Pump 1's 60 hours before today, and today's 12 + 8 hours so far
    assert found.buckets[-1].downtime_hours == pytest.approx(60 + 12 + 8)
