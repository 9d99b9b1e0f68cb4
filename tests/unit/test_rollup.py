"""The figures' daily rollup (app.maintenance.rollup) is a cache: after every kind of change to
past work, labour and downtime, the figures read through it (the days marked counted again)
equal the figures of a rollup counted from nothing. Days that end are counted at the next
read; a change of today leaves no mark (today is counted live)."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import delete, func, select

from app.core.models import utcnow
from app.extensions import db
from app.maintenance import figures, preventive
from app.maintenance.models import (
    Asset,
    Downtime,
    LabourEntry,
    MaintenanceAssetDay,
    MaintenanceCode,
    MaintenanceDay,
    MaintenancePlan,
    MaintenanceRollup,
    MaintenanceStale,
    WorkOrder,
)
from app.maintenance.rollup import to_utc, today_of, zone_of
from app.sites.models import Site
from tests.conftest import make_user


@pytest.fixture
def work(app, site):
    """Two pumps and a fan over the last ten days, in Shanghai: failures repaired and not,
    a rejected request, preventive work on time and late, labour, overlapping downtime and an
    asset down still."""
    boss = make_user(app, username="sue", roles=("supervisor",), sites=[site])
    with app.test_request_context():
        site_ = db.session.get(Site, site.id)
        midnight = today_of(site_, utcnow())[1]
        day = lambda n, hours=10: midnight - timedelta(days=n) + timedelta(hours=hours)  # noqa: E731
        pumps, fans = (MaintenanceCode(kind="category", name=name) for name in ("Pumps", "Fans"))
        db.session.add_all([pumps, fans])
        db.session.flush()
        a, b, fan = (Asset(code=code, name=code, site_id=site.id, category_id=category.id)
                     for code, category in (("P-1", pumps), ("P-2", pumps), ("F-1", fans)))
        db.session.add_all([a, b, fan])
        db.session.flush()
        plan = MaintenancePlan(site_id=site.id, asset_id=a.id, title="Service", every=1,
                               every_unit="week", starts_on=day(30).date())
        db.session.add(plan)
        db.session.flush()
        numbers = iter(range(1, 100))

        def order(asset, kind, created, **fields):
            made = WorkOrder(reference=f"WO-R-{next(numbers)}", site_id=site.id,
                             asset_id=asset.id, kind=kind, description="x",
                             status=fields.pop("status", "closed"), created_at=created,
                             **fields)
            db.session.add(made)
            return made

        records = {
            "repaired": order(a, "corrective", day(9), done_at=day(8)),
            "open": order(b, "emergency", day(6), status="open"),
            "rejected": order(fan, "corrective", day(5), status="rejected"),
            "late": order(a, "preventive", day(7), plan_id=plan.id, due_on=day(4).date(),
                          done_on=day(2).date(), done_at=day(2)),
            "skipped": order(a, "preventive", day(7), plan_id=plan.id,
                             due_on=day(3).date(), status="cancelled"),
        }
        db.session.flush()
        records["labour"] = LabourEntry(work_order_id=records["repaired"].id, user_id=boss.id,
                                        started_at=day(8, 8), minutes=90)
        records["span"] = Downtime(asset_id=a.id, started_at=day(9), ended_at=day(8))
        records["overlap"] = Downtime(asset_id=a.id, started_at=day(8, 20), ended_at=day(7))
        records["down"] = Downtime(asset_id=b.id, started_at=day(6))  # down still
        db.session.add_all([records[k] for k in ("labour", "span", "overlap", "down")])
        db.session.flush()
        found = {"site_id": site.id, "user_id": boss.id, "day": day, "fans": fans.id,
                 "pumps": pumps.id, "plan_id": plan.id, "a": a.id,
                 "ids": {name: record.id for name, record in records.items()}}
        db.session.commit()
    return found


def _summary(found: figures.Figures) -> tuple:
    return ([(b.failures, b.repairs, round(b.repair_hours, 6), b.pm_due, b.pm_on_time,
              round(b.downtime_hours, 6)) for b in found.buckets],
            round(found.labour_hours, 6), found.planned,
            [(code, round(hours, 6)) for _, code, _, hours in found.top_downtime])


def _read(work, now=None, **scope):
    from app.auth.models import User
    user = db.session.get(User, work["user_id"])
    return figures.site_figures(user, db.session.get(Site, work["site_id"]),
                                figures.Scope(work["site_id"], **scope), period="4w", now=now)


def _counted_from_nothing(work, now=None, **scope):
    for model in (MaintenanceDay, MaintenanceAssetDay, MaintenanceRollup, MaintenanceStale):
        db.session.execute(delete(model))
    db.session.commit()
    return _read(work, now, **scope)


def _agree(work, **scope):
    now = utcnow()  # one moment: an asset down still is down longer a moment later
    through_rollup = _summary(_read(work, now, **scope))
    assert through_rollup == _summary(_counted_from_nothing(work, now, **scope))
    return through_rollup


def _change(work, model, name, **values):
    record = db.session.get(model, work["ids"][name])
    for field, value in values.items():
        setattr(record, field, value)
    db.session.commit()


def test_the_rollup_counts_the_past_days_and_agrees_with_a_count_from_nothing(app, work):
    with app.test_request_context():
        before = _agree(work)
        assert before[0][-1][0] + before[0][-2][0] >= 1  # the failures are there
        assert db.session.scalar(select(func.count()).select_from(MaintenanceDay)) > 0
        found = _read(work)
        assert found.failures == 2 and found.mttr == pytest.approx(24)
        assert found.pm_compliance == 0  # late and skipped
        assert found.top_downtime[0][1] == "P-2"  # down for six days, still


@pytest.mark.parametrize("change", [
    "labour typed for a past day", "a request rejected", "a repair done yesterday",
    "downtime closed", "downtime moved", "late work done on time after all",
    "work moved to another asset", "an asset moved to another category", "labour deleted",
    "work deleted", "the site moved to another time zone"])
def test_every_change_to_past_days_is_counted_again(app, work, change):
    day = work["day"]
    with app.test_request_context():
        _read(work)  # counted
        if change == "labour typed for a past day":
            db.session.add(LabourEntry(work_order_id=work["ids"]["open"],
                                       user_id=work["user_id"], started_at=day(3),
                                       minutes=45))
            db.session.commit()
        elif change == "a request rejected":
            _change(work, WorkOrder, "repaired", status="rejected")
        elif change == "a repair done yesterday":
            _change(work, WorkOrder, "open", status="done", done_at=day(1))
        elif change == "downtime closed":
            _change(work, Downtime, "down", ended_at=day(2))
        elif change == "downtime moved":
            _change(work, Downtime, "span", started_at=day(5), ended_at=day(4))
        elif change == "late work done on time after all":
            _change(work, WorkOrder, "late", done_on=day(5).date())
        elif change == "work moved to another asset":
            _change(work, WorkOrder, "rejected", asset_id=work["a"], status="closed",
                    done_at=day(4))
        elif change == "an asset moved to another category":
            asset = db.session.get(Asset, work["a"])
            asset.category_id = work["fans"]
            db.session.commit()
        elif change == "the site moved to another time zone":
            db.session.get(Site, work["site_id"]).timezone = "America/New_York"
            db.session.commit()
        elif change == "labour deleted":
            db.session.delete(db.session.get(LabourEntry, work["ids"]["labour"]))
            db.session.commit()
        else:
            db.session.delete(db.session.get(WorkOrder, work["ids"]["skipped"]))
            db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(MaintenanceStale)) > 0
        _agree(work)
        _agree(work, category_id=work["pumps"])
        _agree(work, category_id=work["fans"])
        _agree(work, asset_id=work["a"])


def test_late_generated_work_marks_the_day_it_was_due(app, work):
    with app.test_request_context():
        _read(work)
        plan = db.session.get(MaintenancePlan, work["plan_id"])
        site = db.session.get(Site, work["site_id"])
        today = today_of(site, utcnow())[0]
        preventive._mark_past_due([(plan, "calendar", today - timedelta(days=2)),
                                   (plan, "calendar", today)], {site.id: today})
        db.session.commit()
        marks = db.session.execute(select(MaintenanceStale.from_at,
                                          MaintenanceStale.to_at)).all()
        midnight = datetime.combine(today - timedelta(days=2), time())
        assert len(marks) == 1 and marks[0][0] <= midnight < marks[0][1]


def test_a_change_of_today_leaves_no_mark_and_a_day_that_ends_is_counted(app, work):
    with app.test_request_context():
        _read(work)
        _change(work, WorkOrder, "open", status="in_progress")
        now = utcnow()
        midnight = today_of(db.session.get(Site, work["site_id"]), now)[1]
        # today, however soon after the site's midnight the test runs
        db.session.add(LabourEntry(work_order_id=work["ids"]["open"], user_id=work["user_id"],
                                   started_at=midnight + (now - midnight) / 2, minutes=1))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(MaintenanceStale)) == 0
        tomorrow = utcnow() + timedelta(days=1)
        site = db.session.get(Site, work["site_id"])
        _read(work, now=tomorrow)
        assert db.session.scalar(select(MaintenanceRollup.built_until)) == \
            today_of(site, tomorrow)[0] - timedelta(days=1)
        assert _summary(_read(work, now=tomorrow)) == _summary(
            _counted_from_nothing(work, now=tomorrow))


def test_days_are_the_sites_own(app, work):
    with app.test_request_context():
        site = db.session.get(Site, work["site_id"])
        today, midnight = today_of(site, utcnow())
        assert midnight == to_utc(datetime.combine(today, time()), zone_of("Asia/Shanghai"))
        _read(work)
        days = db.session.scalars(select(MaintenanceAssetDay.day).where(
            MaintenanceAssetDay.failures > 0).order_by(MaintenanceAssetDay.day)).all()
        assert days == [today - timedelta(days=9), today - timedelta(days=6)]
