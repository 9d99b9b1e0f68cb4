"""Maintenance figures over a period, for a site, a category of its assets, or one asset.

The formulas (the README repeats them):
- operating time: the period's hours x the assets counted (retired assets aside);
- downtime: each asset's downtime spans clipped to the period and merged (an hour once);
- availability = (operating time - downtime) / operating time;
- failures: corrective and emergency work reported in the period (rejected requests aside);
- MTBF = (operating time - downtime) / failures;
- MTTR = mean of (done - reported) over the failures repaired (done) in the period;
- PM compliance = preventive work done on or before its due date / preventive work due in
  the period (its due date passed, or done): a skipped one is due and not done;
- labour hours: the time logged on the scope's work in the period;
- planned / unplanned: work reported in the period, preventive and follow-up against
  corrective and emergency.
A figure with nothing to count is None ("-"), never 0 or 100 %: no PM due is not 100 %
compliance, no failure gives no MTBF.

Four queries in all, each an aggregate by week or month of the period (a CASE on the buckets'
UTC starts) through an index of its own, but downtime, whose spans of the period are merged in
Python."""

import uuid
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    String,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union_all,
)

from app.core.db import column_rows, hours_between
from app.core.models import utcnow
from app.core.scoping import scope
from app.extensions import db
from app.maintenance import downtime as downtime_math
from app.maintenance import preventive
from app.maintenance.models import (
    FAILURES_SQL,
    PLANNED_SQL,
    Asset,
    Downtime,
    LabourEntry,
    WorkOrder,
)
from app.rounds.recurrence import to_utc, zone_of

PERIODS = {"4w": (4, "week"), "12w": (12, "week"), "12m": (12, "month")}
TOP = 10


@dataclass(frozen=True)
class Scope:
    """What the figures count: a site's assets, or those of a category there, or one asset."""

    site_id: int
    category_id: int | None = None
    asset_id: int | None = None

    def assets(self, statement, asset_id_column):
        """`statement` kept to the work (or spans) of the scope's assets."""
        if self.asset_id:
            return statement.where(asset_id_column == self.asset_id)
        if self.category_id:
            return statement.where(asset_id_column.in_(select(Asset.id).where(
                Asset.site_id == self.site_id, Asset.category_id == self.category_id)))
        return statement


@dataclass
class Bucket:
    """A week or a month of the period, and its figures."""

    label: str
    starts_on: date
    start: datetime  # UTC
    end: datetime
    operating_hours: float = 0
    downtime_hours: float = 0
    failures: int = 0
    repairs: int = 0
    repair_hours: float = 0
    pm_due: int = 0
    pm_on_time: int = 0

    @property
    def availability(self) -> float | None:
        return _ratio(self.operating_hours - self.downtime_hours, self.operating_hours)

    @property
    def mttr(self) -> float | None:
        return self.repair_hours / self.repairs if self.repairs else None

    @property
    def pm_compliance(self) -> float | None:
        return _ratio(self.pm_on_time, self.pm_due)


@dataclass
class Figures:
    start: datetime
    end: datetime
    assets: int
    buckets: list[Bucket]
    labour_hours: float
    planned: int
    unplanned: int
    top_downtime: list[tuple[str, str, str, float]] = field(default_factory=list)  # uuid,
    # code, name, hours

    def _sum(self, name: str) -> float:
        return sum(getattr(bucket, name) for bucket in self.buckets)

    @property
    def operating_hours(self) -> float:
        return self._sum("operating_hours")

    @property
    def downtime_hours(self) -> float:
        return self._sum("downtime_hours")

    @property
    def failures(self) -> int:
        return self._sum("failures")

    @property
    def availability(self) -> float | None:
        return _ratio(self.operating_hours - self.downtime_hours, self.operating_hours)

    @property
    def mtbf(self) -> float | None:
        if not self.failures:
            return None
        return (self.operating_hours - self.downtime_hours) / self.failures

    @property
    def mttr(self) -> float | None:
        repairs = self._sum("repairs")
        return self._sum("repair_hours") / repairs if repairs else None

    @property
    def pm_compliance(self) -> float | None:
        return _ratio(self._sum("pm_on_time"), self._sum("pm_due"))

    @property
    def planned_share(self) -> float | None:
        return _ratio(self.planned, self.planned + self.unplanned)


def _ratio(part, whole) -> float | None:
    return part / whole * 100 if whole else None


def buckets_of(period: str, zone_name: str, now: datetime) -> list[Bucket]:
    """The weeks (from Monday) or months of the period up to today, in the site's zone; the
    last one ends now."""
    count, unit = PERIODS.get(period, PERIODS["12w"])
    zone = zone_of(zone_name)
    today = (now.replace(tzinfo=None) + (zone.utcoffset(now) or timedelta())).date()
    if unit == "week":
        first = today - timedelta(days=today.weekday()) - timedelta(weeks=count - 1)
        starts = [first + timedelta(weeks=n) for n in range(count + 1)]
    else:
        first = today.replace(day=1) - relativedelta(months=count - 1)
        starts = [first + relativedelta(months=n) for n in range(count + 1)]
    moments = [to_utc(datetime.combine(day, time()), zone) for day in starts]
    moments[-1] = now
    return [Bucket(label=starts[n].strftime("%m-%d" if unit == "week" else "%Y-%m"),
                   starts_on=starts[n], start=moments[n], end=moments[n + 1])
            for n in range(count)]


def _bucket_of(column, buckets: list[Bucket], *, dates: bool = False):
    """A CASE naming the bucket a row's moment (or date) falls in: its index, or None."""
    whens = [(and_(column >= (b.starts_on if dates else b.start),
                   column < (buckets[n + 1].starts_on if dates and n + 1 < len(buckets)
                             else (b.end.date() + timedelta(days=1) if dates else b.end))),
              n) for n, b in enumerate(buckets)]
    return case(*whens, else_=None)


def site_figures(user, site, figure_scope: Scope, *, period: str = "12w",
                 now: datetime | None = None) -> Figures:
    """The figures of the scope over the period: four queries (see the module's text)."""
    now = now or utcnow()
    buckets = buckets_of(period, site.timezone, now)
    start, end = buckets[0].start, buckets[-1].end
    assets, labour, planned = _totals(user, figure_scope, start, end)
    for bucket in buckets:
        bucket.operating_hours = assets * (bucket.end - bucket.start).total_seconds() / 3600
    _failures_and_repairs(user, figure_scope, buckets)
    _preventive(user, figure_scope, buckets, today=preventive.site_today(site, now))
    top = _downtime(user, figure_scope, buckets)
    unplanned = sum(bucket.failures for bucket in buckets)
    return Figures(start, end, assets, buckets, labour, planned, unplanned, top)


def _work(user, figure_scope: Scope, *columns):
    statement = select(*columns).select_from(WorkOrder).where(
        WorkOrder.site_id == figure_scope.site_id)
    return scope(figure_scope.assets(statement, WorkOrder.asset_id), user, WorkOrder.site_id)


def _totals(user, figure_scope: Scope, start, end) -> tuple[int, float, int]:
    """How many assets count (retired aside), the hours logged on their work, and the planned
    work reported: one query of three."""
    assets = select(func.count(Asset.id)).where(Asset.site_id == figure_scope.site_id,
                                                Asset.status != "retired")
    if figure_scope.asset_id:
        assets = assets.where(Asset.id == figure_scope.asset_id)
    elif figure_scope.category_id:
        assets = assets.where(Asset.category_id == figure_scope.category_id)
    # from the labour of the period (its index holds the hours), to the work it was logged on
    labour = figure_scope.assets(scope(select(func.coalesce(func.sum(LabourEntry.minutes), 0))
                                       .select_from(LabourEntry).join(
        WorkOrder, WorkOrder.id == LabourEntry.work_order_id).where(
        LabourEntry.started_at >= start, LabourEntry.started_at < end,
        WorkOrder.site_id == figure_scope.site_id), user, WorkOrder.site_id),
        WorkOrder.asset_id)
    planned = _work(user, figure_scope, func.count()).where(
        text(PLANNED_SQL), WorkOrder.created_at >= start, WorkOrder.created_at < end,
        WorkOrder.status != "rejected")
    count, minutes, planned_count = db.session.execute(select(
        assets.scalar_subquery(), labour.scalar_subquery(), planned.scalar_subquery())).one()
    return count or 0, (minutes or 0) / 60, planned_count or 0


def _failures_and_repairs(user, figure_scope: Scope, buckets) -> None:
    """Failures reported by bucket (of when), and those repaired by bucket of their repair
    with the hours they took: one query of two parts, each through its own index
    (`ix_work_order_failures`, `ix_work_order_repairs`). The kinds are written as the
    partial index's own WHERE, literally, so that both databases see it applies."""
    start, end = buckets[0].start, buckets[-1].end
    reported = _bucket_of(WorkOrder.created_at, buckets)
    repaired = _bucket_of(WorkOrder.done_at, buckets)
    statement = union_all(
        _work(user, figure_scope, literal("reported"), reported.label("bucket"), func.count(),
              literal(0.0)).where(text(FAILURES_SQL), WorkOrder.created_at >= start,
                                  WorkOrder.created_at < end, WorkOrder.status != "rejected")
        .group_by(reported),
        _work(user, figure_scope, literal("repaired"), repaired.label("bucket"), func.count(),
              func.sum(hours_between(WorkOrder.created_at, WorkOrder.done_at)))
        .where(text(f"done_at IS NOT NULL AND {FAILURES_SQL}"), WorkOrder.done_at >= start,
               WorkOrder.done_at < end)
        .group_by(repaired))
    for part, index, count, hours in column_rows(statement):
        if index is None:
            continue
        if part == "reported":
            buckets[index].failures = count
        else:
            buckets[index].repairs, buckets[index].repair_hours = count, float(hours or 0)


def _preventive(user, figure_scope: Scope, buckets, *, today: date) -> None:
    """Generated work by bucket of its due date: due (passed, or done), and done on time."""
    bucket = _bucket_of(WorkOrder.due_on, buckets, dates=True).label("bucket")
    done = WorkOrder.done_on.is_not(None)
    rows = column_rows(_work(
        user, figure_scope, bucket, func.count(),
        func.count(case((and_(done, WorkOrder.done_on <= WorkOrder.due_on), 1))),
    ).where(WorkOrder.plan_id.is_not(None), WorkOrder.due_on >= buckets[0].starts_on,
            WorkOrder.due_on <= today,
            or_(done, WorkOrder.due_on < today), WorkOrder.status != "rejected")
        .group_by(bucket))
    for index, due, on_time in rows:
        if index is not None:
            buckets[index].pm_due, buckets[index].pm_on_time = due, on_time


def _downtime(user, figure_scope: Scope, buckets) -> list[tuple[str, str, str, float]]:
    """Downtime by bucket, each asset's spans merged; and the assets down the longest. The
    public ids come as the database holds them, made UUIDs only for the ten shown."""
    start, end = buckets[0].start, buckets[-1].end
    statement = select(Downtime.asset_id, Downtime.started_at, Downtime.ended_at,
                       type_coerce(Asset.public_id, String), Asset.code, Asset.name).join(
        Asset, Asset.id == Downtime.asset_id).where(
        Asset.site_id == figure_scope.site_id, Downtime.started_at < end,
        or_(Downtime.ended_at.is_(None), Downtime.ended_at > start))
    statement = scope(figure_scope.assets(statement, Downtime.asset_id), user, Asset.site_id)
    spans, names = defaultdict(list), {}
    for asset_id, began, ended, public_id, code, name in column_rows(statement):
        spans[asset_id].append((began, ended))
        names[asset_id] = (public_id, code, name)
    starts = [bucket.start for bucket in buckets]
    per_asset = {}
    for asset_id, own in spans.items():
        seconds = 0.0
        for began, ended in downtime_math.merged(own, start, end):
            seconds += (ended - began).total_seconds()
            index = max(bisect_right(starts, began) - 1, 0)  # the bucket it starts in, on
            while index < len(buckets) and buckets[index].start < ended:
                bucket = buckets[index]
                bucket.downtime_hours += max((min(ended, bucket.end) -
                                              max(began, bucket.start)).total_seconds(), 0) / 3600
                index += 1
        per_asset[asset_id] = seconds / 3600
    longest = sorted(per_asset.items(), key=lambda pair: -pair[1])[:TOP]
    return [(str(uuid.UUID(str(names[asset_id][0]))), *names[asset_id][1:], hours)
            for asset_id, hours in longest if hours > 0]
