"""The figures of a site or a category keep their past days and downtime between requests
(app.core.cache): read as one row until the rollup counts days again, a downtime span changes
or an asset is renamed or moved, or the site's today does; today's work is read live, and the
assets down now add the time since, at each read."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select, update
from werkzeug.exceptions import NotFound

from app.auth.models import User
from app.core.models import ChangeCount, KeptResult
from app.extensions import db
from app.maintenance import figures, rollup
from app.maintenance.models import Asset, Downtime, WorkOrder
from tests.conftest import make_user
from tests.unit.test_maintenance_figures import NOW, history  # noqa: F401 (the fixture)


def _figures(history, now=NOW, **scope):  # noqa: F811
    return figures.site_figures(history["user"], history["site"], figures.Scope(
        history["site"].id, **scope), period="4w", now=now)


def _worked_out(history, now=NOW, **scope):  # noqa: F811
    """The figures with nothing kept: every part worked out from the rows."""
    db.session.execute(delete(KeptResult))
    db.session.commit()
    return _figures(history, now, **scope)


def _changes(site_id: int) -> int:
    return db.session.scalar(select(ChangeCount.value).where(
        ChangeCount.name == rollup.KEPT_FIGURES, ChangeCount.site_id == site_id)) or 0


def _down_now(history):  # noqa: F811
    """Pump 1 down for three days (two spans still open), Pump 2 down since an hour ago."""
    a, b = history["a"], history["b"]
    db.session.add_all([Downtime(asset_id=a.id, started_at=NOW - timedelta(hours=72)),
                        Downtime(asset_id=a.id, started_at=NOW - timedelta(hours=24)),
                        Downtime(asset_id=b.id, started_at=NOW - timedelta(hours=1))])
    db.session.commit()


@pytest.mark.parametrize("scope", ({}, {"category": "pumps"}))
def test_kept_figures_say_what_working_them_out_says_later_the_same_day(history, scope):  # noqa: F811
    _down_now(history)
    chosen = {"category_id": history["pumps"].id} if scope else {}
    _figures(history, **chosen)  # kept now
    later = NOW + timedelta(hours=5)
    kept = _figures(history, later, **chosen)
    assert db.session.scalar(select(KeptResult.key)) == (
        f"4w/{history['pumps'].id}" if scope else "4w/site")
    assert kept == _worked_out(history, later, **chosen)
    # the assets down now went on adding up: 5 h each, today's and the period's
    assert kept.downtime_hours == pytest.approx(_figures(history).downtime_hours + 10)
    assert kept.top_downtime[0][1:] == ("P-1", "Pump 1", pytest.approx(12 + 72 + 5))


def test_an_asset_down_now_overtakes_one_that_is_up(history):  # noqa: F811
    db.session.add(Downtime(asset_id=history["b"].id, started_at=NOW - timedelta(hours=1)))
    db.session.commit()
    assert [row[1] for row in _figures(history).top_downtime] == ["P-1", "P-2"]  # 12, 9 h
    assert [row[1] for row in _figures(history, NOW + timedelta(hours=4)).top_downtime] == [
        "P-2", "P-1"]  # 13, 12 h: read kept, Pump 2's span still growing


def test_the_kept_figures_are_read_until_a_downtime_span_changes(history):  # noqa: F811
    assert [row[1:] for row in _figures(history).top_downtime] == [
        ("P-1", "Pump 1", pytest.approx(12)), ("P-2", "Pump 2", pytest.approx(8))]
    db.session.execute(insert(Downtime).values(  # behind the listener's back: not seen
        asset_id=history["b"].id, started_at=datetime(2027, 3, 3),
        ended_at=datetime(2027, 3, 3, 10)))
    db.session.commit()
    assert [row[1] for row in _figures(history).top_downtime] == ["P-1", "P-2"]
    span = db.session.scalars(select(Downtime).where(
        Downtime.asset_id == history["a"].id).order_by(Downtime.id)).first()
    span.ended_at += timedelta(hours=10)  # 2 March, 00:00 to 20:00: 8 h more, merged
    db.session.commit()
    # worked out again: the 10 h behind its back are in it now too
    assert [row[1:] for row in _figures(history).top_downtime] == [
        ("P-1", "Pump 1", pytest.approx(20)), ("P-2", "Pump 2", pytest.approx(18))]


def test_an_asset_renamed_or_moved_changes_the_kept_figures(history):  # noqa: F811
    pumps = history["pumps"].id
    assert _figures(history, category_id=pumps).assets == 2
    db.session.get(Asset, history["a"].id).code = "P-100"
    db.session.commit()
    assert _figures(history).top_downtime[0][1] == "P-100"
    db.session.get(Asset, history["b"].id).category_id = history["fans"].id
    db.session.commit()
    found = _figures(history, category_id=pumps)
    assert [row[1] for row in found.top_downtime] == ["P-100"]
    assert found == _worked_out(history, category_id=pumps)


def test_days_counted_again_change_the_kept_figures(history):  # noqa: F811
    before = _figures(history)
    work = {"reference": "WO-T-99", "site_id": history["site"].id,
            "asset_id": history["a"].id, "kind": "corrective", "description": "x",
            "status": "open", "created_at": datetime(2027, 3, 9), "hold_reason": "",
            "hold_note": "", "work_done": "", "end_reason": "", "priority": 3}
    db.session.execute(insert(WorkOrder).values(**work))  # behind the listeners' back
    db.session.commit()
    assert _figures(history).failures == before.failures  # kept, and the day as counted
    rollup.mark(history["site"].id, *rollup.day_span(date(2027, 3, 9)))
    db.session.commit()
    changes = _changes(history["site"].id)
    assert _figures(history).failures == before.failures + 1  # the day counted again
    assert _changes(history["site"].id) == changes + 1


def test_todays_work_is_read_live_and_changes_nothing_kept(history):  # noqa: F811
    before = _figures(history)
    changes = _changes(history["site"].id)
    db.session.add(WorkOrder(reference="WO-T-98", site_id=history["site"].id,
                             asset_id=history["a"].id, kind="corrective", description="x",
                             status="open", created_at=NOW - timedelta(hours=1)))
    db.session.commit()
    assert _figures(history).failures == before.failures + 1
    assert _changes(history["site"].id) == changes


def test_an_assets_own_figures_are_not_kept(history):  # noqa: F811
    _figures(history, asset_id=history["a"].id)
    assert db.session.scalar(select(KeptResult.key)) is None


def test_a_new_day_works_the_figures_out_again(history):  # noqa: F811
    _figures(history)
    db.session.execute(update(KeptResult).values(payload="{}"))  # what another day held
    db.session.commit()
    tomorrow = NOW + timedelta(days=1)
    assert _figures(history, tomorrow) == _worked_out(history, tomorrow)


def test_only_a_user_who_sees_the_site_reads_its_figures(app, history):  # noqa: F811
    _figures(history)  # kept
    stranger = make_user(app, username="tom", roles=("supervisor",))
    with pytest.raises(NotFound):
        figures.site_figures(db.session.get(User, stranger.id), history["site"],
                             figures.Scope(history["site"].id), period="4w", now=NOW)
