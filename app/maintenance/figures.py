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

Four queries in all: the state of the daily rollup with the assets counted; the rollup's past
days added up by week or month (`maintenance.rollup`: a year of a site is a few thousand rows,
where its work is tens of thousands); today so far, live, through the partial indexes of the
work; and the downtime spans of the period, for today's downtime and the assets down longest
(merged per asset: an asset down for months is a few spans but many days).

The past days and the downtime of a site or a category are kept between requests
(core.cache, `_kept_part`): they change only as the rollup counts days, a span changes or an
asset is renamed or moved, and as the site's today begins. What the assets down now add as
time goes on is worked out at each read from when each went down; today's work is read
live."""

import functools
import heapq
import uuid
from bisect import bisect_right
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from flask import abort
from sqlalchemy import (
    String,
    bindparam,
    case,
    func,
    literal,
    select,
    text,
    type_coerce,
    union_all,
)

from app.core import cache
from app.core.db import column_rows, hours_between, writing_now
from app.core.models import utcnow
from app.core.scoping import scope
from app.extensions import db
from app.maintenance import downtime as downtime_math
from app.maintenance import rollup
from app.maintenance.models import (
    DAY_FACTS,
    FAILURES_SQL,
    PLANNED_SQL,
    Asset,
    Downtime,
    LabourEntry,
    MaintenanceAssetDay,
    MaintenanceDay,
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

    @property
    def kind(self) -> str:
        return "asset" if self.asset_id else "category" if self.category_id else "site"

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


@dataclass
class DowntimeFacts:
    """The period's downtime from its spans, as it stands until a span changes (kept between
    requests): the assets down now add the time since, read at each request."""

    closed_today: float = 0.0  # today's seconds in the closed spans
    down_now: int = 0  # assets down now
    down_today_from: float = 0.0  # of those, the seconds of today before each went down
    # the assets that may be among the ten down longest, whatever now is: the longest of
    # those up now and of those down now ([asset id, public id, code, name, closed seconds,
    # down since or None])
    candidates: list = field(default_factory=list)

    def today_seconds(self, today_start: datetime, now: datetime) -> float:
        return self.closed_today + self.down_now * (now - today_start).total_seconds() - \
            self.down_today_from

    def top(self, start: datetime, now: datetime) -> list[tuple[str, str, str, float]]:
        """The ten assets down longest over the period, up to now: (public id, code, name,
        hours)."""
        totals = []
        for asset_id, public_id, code, name, seconds, down_since in self.candidates:
            if down_since:
                seconds += max((now - max(datetime.fromisoformat(down_since), start))
                               .total_seconds(), 0)
            totals.append((seconds, asset_id, public_id, code, name))
        totals.sort(reverse=True)
        return [(public_id, code, name, seconds / 3600)
                for seconds, _asset_id, public_id, code, name in totals[:TOP] if seconds > 0]


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


def site_figures(user, site, figure_scope: Scope, *, period: str = "12w",
                 now: datetime | None = None) -> Figures:
    """The figures of the scope over the period: the past days from the daily rollup (counted
    first if days ended or changed since) and the downtime spans, kept between requests;
    today live (see the module's text). Only for a user who sees the site: what is kept is
    the site's, whoever asked first."""
    if not (user.is_admin or figure_scope.site_id in user.site_ids):
        abort(404)  # a site the user does not see: as if there were none
    now = now or utcnow()
    buckets = buckets_of(period, site.timezone, now)
    today, today_start = rollup.today_of(site, now)
    built_until, waiting, assets = _state(figure_scope, today_start)
    if not rollup.is_counted(built_until, waiting, today):
        with writing_now():
            rollup.count_days(site, now)
    for bucket in buckets:
        bucket.operating_hours = assets * (bucket.end - bucket.start).total_seconds() / 3600
    labour, planned, downtime = _kept_part(user, figure_scope, period, buckets, today,
                                           today_start, now)
    labour_today, planned_today = _today(figure_scope, buckets[-1], today, today_start, now)
    buckets[-1].downtime_hours += downtime.today_seconds(today_start, now) / 3600
    unplanned = sum(bucket.failures for bucket in buckets)
    return Figures(buckets[0].start, buckets[-1].end, assets, buckets, labour + labour_today,
                   planned + planned_today, unplanned, downtime.top(buckets[0].start, now))


KEPT_SHAPE = 1  # goes up when what kept figures hold changes shape
PAST = ("failures", "repairs", "repair_hours", "pm_due", "pm_on_time", "downtime_hours")


def _kept_part(user, figure_scope: Scope, period: str, buckets, today: date,
               today_start: datetime, now: datetime) -> tuple[float, int, DowntimeFacts]:
    """The past days (put in their buckets; their labour hours and planned work returned) and
    the downtime facts of a site or a category: kept between requests (core.cache) until the
    rollup counts days again, a downtime span changes or an asset is renamed or moved (the
    listener at the end), or the site's today does. An asset's own are read each time: they
    are few rows, and there are thousands of assets."""
    start = buckets[0].start
    if figure_scope.asset_id:
        return (*_past_days(user, figure_scope, buckets, today),
                _downtime_facts(user, figure_scope, start, today_start, now))
    key = f"{period}/{figure_scope.category_id or 'site'}"
    changes, version, payload = db.session.execute(cache.state(
        rollup.KEPT_FIGURES, figure_scope.site_id, key)).one()
    wanted = f"{KEPT_SHAPE}/{today_start.isoformat()}/{changes}"
    if version == wanted:
        kept = cache.loaded(payload)
        for bucket, values in zip(buckets, kept["past"], strict=True):
            for name, value in zip(PAST, values, strict=True):
                setattr(bucket, name, value)
        return kept["labour"], kept["planned"], DowntimeFacts(**kept["downtime"])
    labour, planned = _past_days(user, figure_scope, buckets, today)
    downtime = _downtime_facts(user, figure_scope, start, today_start, now)
    with writing_now():
        cache.keep(rollup.KEPT_FIGURES, figure_scope.site_id, key, wanted, {
            "past": [[getattr(bucket, name) for name in PAST] for bucket in buckets],
            "labour": labour, "planned": planned, "downtime": asdict(downtime)})
    return labour, planned, downtime


def _state(figure_scope: Scope, today_start: datetime) -> tuple[date | None, bool, int]:
    """How far the site's days are counted, whether a change waits, and how many assets
    count (retired aside): one query."""
    assets = select(func.count(Asset.id)).where(Asset.site_id == figure_scope.site_id,
                                                Asset.status != "retired")
    if figure_scope.asset_id:
        assets = assets.where(Asset.id == figure_scope.asset_id)
    elif figure_scope.category_id:
        assets = assets.where(Asset.category_id == figure_scope.category_id)
    built_until, waiting = rollup.state_columns(figure_scope.site_id, today_start)
    row = db.session.execute(select(built_until, waiting, assets.scalar_subquery())).one()
    return row[0], bool(row[1]), row[2] or 0


def _past_days(user, figure_scope: Scope, buckets, today: date) -> tuple[float, int]:
    """The rollup's days before today (an asset's own, or the site's per category), summed
    per day and put in their buckets. Returns the labour hours and planned work of those
    days."""
    table = MaintenanceAssetDay if figure_scope.asset_id else MaintenanceDay
    sums = (func.sum(getattr(table, name)) for name in DAY_FACTS)
    statement = select(table.day, *sums).where(
        table.site_id == figure_scope.site_id, table.day >= buckets[0].starts_on,
        table.day < today).group_by(table.day)
    if figure_scope.asset_id:
        statement = statement.where(table.asset_id == figure_scope.asset_id)
    elif figure_scope.category_id:
        statement = statement.where(table.category_id == figure_scope.category_id)
    starts = [bucket.starts_on for bucket in buckets]
    labour = planned = 0
    for day, failures, repairs, repair_hours, pm_due, pm_on_time, planned_work, labour_hours, \
            downtime_hours in column_rows(scope(statement, user, table.site_id)):
        bucket = buckets[bisect_right(starts, day) - 1]
        bucket.failures += failures or 0
        bucket.repairs += repairs or 0
        bucket.repair_hours += repair_hours or 0
        bucket.pm_due += pm_due or 0
        bucket.pm_on_time += pm_on_time or 0
        bucket.downtime_hours += downtime_hours or 0
        labour += labour_hours or 0
        planned += planned_work or 0
    return labour, planned


def _today(figure_scope: Scope, bucket: Bucket, today: date, today_start: datetime,
           now: datetime) -> tuple[float, int]:
    """Today so far, live (the rollup holds past days only), added to the last bucket: one
    query of five parts (`_today_statement`). Returns today's labour hours and planned
    work."""
    values = {"site_id": figure_scope.site_id, "today_start": today_start, "now": now,
              "today": today}
    if figure_scope.asset_id:
        values["asset_id"] = figure_scope.asset_id
    elif figure_scope.category_id:
        values["category_id"] = figure_scope.category_id
    found = {part: (count or 0, float(extra or 0)) for part, count, extra
             in column_rows(_today_statement(figure_scope.kind, db.engine.dialect.name),
                            values)}
    bucket.failures += found["failures"][0]
    bucket.repairs += found["repairs"][0]
    bucket.repair_hours += found["repairs"][1]
    bucket.pm_due += found["pm"][0]
    bucket.pm_on_time += int(found["pm"][1])
    return found["labour"][1], found["planned"][0]


def _of_kind(kind: str, statement, asset_id_column):
    """`statement` kept to the work of a scope of this kind, its values bound at each run."""
    if kind == "asset":
        return statement.where(asset_id_column == bindparam("asset_id"))
    if kind == "category":
        return statement.where(asset_id_column.in_(select(Asset.id).where(
            Asset.site_id == bindparam("site_id"),
            Asset.category_id == bindparam("category_id"))))
    return statement


@functools.cache
def _today_statement(kind: str, _dialect: str):
    """Today's five parts, each through its own index (the kinds written as the partial
    indexes' own WHERE, literally, so that both databases see they apply). Built once per
    kind of scope, its values bound at each run: building it took three times as long as
    running it (and one per database: the hours are worked out in its own way)."""
    site, today_start, now = bindparam("site_id"), bindparam("today_start"), bindparam("now")

    def work(*columns):
        return _of_kind(kind, select(*columns).select_from(WorkOrder).where(
            WorkOrder.site_id == site), WorkOrder.asset_id)
    reported = (WorkOrder.created_at >= today_start, WorkOrder.created_at < now,
                WorkOrder.status != "rejected")
    labour = _of_kind(kind, select(
        literal("labour"), func.count(), func.sum(LabourEntry.minutes) / 60.0)
        .select_from(LabourEntry).join(WorkOrder, WorkOrder.id == LabourEntry.work_order_id)
        .where(LabourEntry.started_at >= today_start, LabourEntry.started_at < now,
               WorkOrder.site_id == site),
        WorkOrder.asset_id + 0)  # + 0: from today's labour, not every work order of the assets
    return union_all(
        work(literal("failures"), func.count(), literal(0.0)).where(
            text(FAILURES_SQL), *reported),
        work(literal("planned"), func.count(), literal(0.0)).where(
            text(PLANNED_SQL), *reported),
        work(literal("repairs"), func.count(),
             func.sum(hours_between(WorkOrder.created_at, WorkOrder.done_at))).where(
            text(f"done_at IS NOT NULL AND {FAILURES_SQL}"), WorkOrder.done_at >= today_start,
            WorkOrder.done_at < now),
        # due today: only what is done counts yet (a day not over is not missed)
        work(literal("pm"), func.count(),
             func.count(case((WorkOrder.done_on <= WorkOrder.due_on, 1)))).where(
            WorkOrder.plan_id.is_not(None), WorkOrder.due_on == bindparam("today"),
            WorkOrder.done_on.is_not(None), WorkOrder.status != "rejected"),
        labour)


def _downtime_facts(user, figure_scope: Scope, start: datetime, today_start: datetime,
                   now: datetime) -> DowntimeFacts:
    """The downtime of the period from its spans, each asset's merged (the days of a long span
    are many more): what the closed spans count, and since when each asset down now is down.
    The spans an asset has still open all end now, so together they are one, from the first
    of them: read as one row per asset (a third of the bench's assets are down for months,
    several times over). The public ids come as the database holds them, made UUIDs only for
    the assets that may be shown."""
    shown = (type_coerce(Asset.public_id, String), Asset.code, Asset.name)

    def of_scope(statement):
        statement = statement.join(Asset, Asset.id == Downtime.asset_id).where(
            Asset.site_id == figure_scope.site_id, Downtime.started_at < now)
        return scope(figure_scope.assets(statement, Downtime.asset_id), user, Asset.site_id)
    closed = of_scope(select(Downtime.asset_id, Downtime.started_at, Downtime.ended_at,
                             *shown).where(Downtime.ended_at > start))
    still_open = of_scope(select(Downtime.asset_id, func.min(Downtime.started_at),
                                 literal(None), *shown).where(Downtime.ended_at.is_(None))
                          .group_by(Downtime.asset_id, *shown))
    spans, names = defaultdict(list), {}
    for asset_id, began, ended, public_id, code, name in column_rows(union_all(closed,
                                                                              still_open)):
        spans[asset_id].append((began, ended))
        names[asset_id] = (public_id, code, name)
    facts = DowntimeFacts()
    up_now, down_now = [], []  # (rank, asset id, closed seconds, down since)
    for asset_id, own in spans.items():
        down_since = next((began for began, ended in own if ended is None), None)
        seconds = _closed_seconds(facts, [span for span in own if span[1] is not None],
                                  start, today_start, min(down_since or now, now))
        if down_since is None:
            up_now.append((seconds, asset_id, seconds, None))
            continue
        facts.down_now += 1
        facts.down_today_from += max((down_since - today_start).total_seconds(), 0)
        # down now: every such asset's hours grow alike, so their order stays
        down_now.append((seconds - max((down_since - start).total_seconds(), 0), asset_id,
                         seconds, down_since))
    for _rank, asset_id, seconds, down_since in (*heapq.nlargest(TOP, up_now),
                                                *heapq.nlargest(TOP, down_now)):
        public_id, code, name = names[asset_id]
        facts.candidates.append([asset_id, str(uuid.UUID(str(public_id))), code, name, seconds,
                                 down_since.isoformat() if down_since else None])
    return facts


def _closed_seconds(facts: DowntimeFacts, closed, start: datetime, today_start: datetime,
                    until: datetime) -> float:
    """An asset's closed spans merged within [start, until) (until it went down again, if it
    is down now): their seconds; today's are added to `facts`."""
    if not closed:
        return 0.0
    # most assets have one span in a period: nothing to merge
    merged = downtime_math.merged(closed, start, until) if len(closed) > 1 else \
        [(max(closed[0][0], start), min(closed[0][1], until))]
    seconds = 0.0
    for down, up in merged:
        if up <= down:
            continue
        seconds += (up - down).total_seconds()
        if up > today_start:
            facts.closed_today += (up - max(down, today_start)).total_seconds()
    return seconds


# --- what kept figures depend on (beyond the rollup's days, which say so as they are counted)

def _sites_changed(session, record, state: str) -> set:
    """The sites whose kept figures the change to `record` changes (None among them: none):
    a downtime span; an asset's code or name (the ten down longest), site or category (whose
    figures its spans count in)."""
    if isinstance(record, Downtime):
        return {rollup.site_of_asset(session, asset_id)
                for asset_id in rollup.values_of(record, "asset_id", old=True)}
    if isinstance(record, Asset) and (state == "deleted" or state == "dirty" and
                                      rollup.has_changed(record, "code", "name", "site_id",
                                                         "category_id")):
        return set(rollup.values_of(record, "site_id", old=True))
    return set()


cache.watch(rollup.KEPT_FIGURES, _sites_changed)
