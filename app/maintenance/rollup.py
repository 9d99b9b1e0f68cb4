"""The figures' daily rollup: what each past day of a site's maintenance counts, per asset and
per category of asset, so that a site's figures over a year add up a few thousand rows instead
of reading its tens of thousands of work orders, labour entries and downtime spans.

- Days are the site's own (its time zone). Today is never stored: the figures count it live.
- A day is counted from the work, labour and downtime as they are, rows deleted and written
  again: counting a day twice gives the same rows, so counting more days than changed is
  always safe.
- A change to a past day's work leaves a MaintenanceStale mark in its own transaction (the
  flush listener at the end; generation's bulk insert marks its own). The next read of the
  figures counts those days again first, and the days that have ended since (`built_until`).
- One counter at a time per site: its MaintenanceRollup row is locked (PostgreSQL; SQLite's
  writers queue already). A mark of a transaction not committed yet is not seen, so not
  deleted: its days are counted at the next read.
"""

from bisect import bisect_right
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, event, exists, insert, literal, or_, select, text, union_all
from sqlalchemy.orm import Session

from app.core import cache
from app.core.db import column_rows, upsert_insert
from app.core.models import utcnow
from app.extensions import db
from app.maintenance import downtime as downtime_math
from app.maintenance.models import (
    DAY_FACTS,
    FAILURES_SQL,
    PLANNED_SQL,
    Asset,
    Downtime,
    LabourEntry,
    MaintenanceAssetDay,
    MaintenanceDay,
    MaintenanceRollup,
    MaintenanceStale,
    WorkOrder,
)
from app.rounds.recurrence import to_local, to_utc, zone_of
from app.sites.models import Site

KEPT_FIGURES = "maintenance_figures"  # core.cache: the figures kept from these days (figures)
REACH_MONTHS = 11  # the longest period shown (12 months) starts 11 months before this one
FAILURES, REPAIRS, REPAIR_HOURS, PM_DUE, PM_ON_TIME, PLANNED, LABOUR_HOURS, DOWNTIME_HOURS = \
    range(len(DAY_FACTS))


def first_day_reached(today: date) -> date:
    """The first day any period of the figures reaches: older days are never counted."""
    return today.replace(day=1) - relativedelta(months=REACH_MONTHS)


def today_of(site, now: datetime) -> tuple[date, datetime]:
    """The site's today, and when it began (UTC)."""
    zone = zone_of(site.timezone)
    today = to_local(now, zone).date()
    return today, to_utc(datetime.combine(today, time()), zone)


def state_columns(site_id: int, today_start: datetime):
    """(how far the site is counted, whether a change waits to be counted), as two columns of
    the figures' first query."""
    return (select(MaintenanceRollup.built_until).where(
        MaintenanceRollup.site_id == site_id).scalar_subquery(),
        exists().where(MaintenanceStale.site_id == site_id,
                       MaintenanceStale.from_at < today_start))


def is_counted(built_until: date | None, waiting: bool, today: date) -> bool:
    return built_until is not None and built_until >= today - timedelta(days=1) and not waiting


def count_days(site, now: datetime | None = None) -> None:
    """Count the site's days that ended since the last count, and those changes marked."""
    now = now or utcnow()
    today, _start = today_of(site, now)
    yesterday, first = today - timedelta(days=1), first_day_reached(today)
    db.session.connection().execute(upsert_insert(MaintenanceRollup.__table__).values(
        site_id=site.id).on_conflict_do_nothing())
    built_until = db.session.scalar(select(MaintenanceRollup.built_until).where(
        MaintenanceRollup.site_id == site.id).with_for_update())
    marks = db.session.execute(delete(MaintenanceStale).where(
        MaintenanceStale.site_id == site.id).returning(MaintenanceStale.from_at,
                                                       MaintenanceStale.to_at)).all()
    until = max(built_until or yesterday, yesterday)
    ranges = []
    if built_until is None or built_until < first:
        ranges.append((first, yesterday))
    elif built_until < yesterday:
        ranges.append((built_until + timedelta(days=1), yesterday))
    zone = zone_of(site.timezone)
    for from_at, to_at in marks:
        begin = max(to_local(from_at, zone).date(), first)
        end = min(to_local(to_at, zone).date(), until)
        if begin <= end:
            ranges.append((begin, end))
    for begin, end in _joined(ranges):
        _count(site, begin, end)
    if ranges:
        cache.changed(db.session, KEPT_FIGURES, site.id)
    db.session.execute(MaintenanceRollup.__table__.update().where(
        MaintenanceRollup.site_id == site.id).values(built_until=until))


def _joined(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for begin, end in sorted(ranges):
        if out and begin <= out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((begin, end))
    return out


def _count(site, first: date, last: date) -> None:
    """Days `first` to `last` of the site counted again from its work, labour and downtime."""
    zone = zone_of(site.timezone)
    days = (last - first).days + 1
    starts = [to_utc(datetime.combine(first + timedelta(days=n), time()), zone)
              for n in range(days + 1)]
    begin, end = starts[0], starts[-1]
    facts: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0] * len(DAY_FACTS))

    def day_of(moment: datetime) -> int:
        return bisect_right(starts, moment) - 1

    for asset_id, moment, fact in column_rows(_reported(site.id, begin, end)):
        facts[(asset_id, day_of(moment))][fact] += 1
    for asset_id, done_at, created_at in column_rows(_repaired(site.id, begin, end)):
        counted = facts[(asset_id, day_of(done_at))]
        counted[REPAIRS] += 1
        counted[REPAIR_HOURS] += (done_at - created_at).total_seconds() / 3600
    for asset_id, due_on, done_on in column_rows(_preventive(site.id, first, last)):
        counted = facts[(asset_id, (due_on - first).days)]
        counted[PM_DUE] += 1
        counted[PM_ON_TIME] += bool(done_on and done_on <= due_on)
    for asset_id, started_at, minutes in column_rows(_labour(site.id, begin, end)):
        facts[(asset_id, day_of(started_at))][LABOUR_HOURS] += (minutes or 0) / 60
    for asset_id, spans in _spans(site.id, begin, end).items():
        for down, up in downtime_math.merged(spans, begin, end):
            index = day_of(down)
            while index < days and starts[index] < up:
                facts[(asset_id, index)][DOWNTIME_HOURS] += (
                    min(up, starts[index + 1]) - max(down, starts[index])).total_seconds() / 3600
                index += 1
    _write(site.id, first, last, facts)


def _reported(site_id: int, begin: datetime, end: datetime):
    """Failures and planned work reported in [begin, end), through their own partial indexes
    (whose WHERE is written literally, so that both databases see it applies)."""
    def part(kinds_sql: str, fact: int):
        return select(WorkOrder.asset_id, WorkOrder.created_at, literal(fact)).where(
            WorkOrder.site_id == site_id, text(kinds_sql), WorkOrder.created_at >= begin,
            WorkOrder.created_at < end, WorkOrder.status != "rejected")
    return union_all(part(FAILURES_SQL, FAILURES), part(PLANNED_SQL, PLANNED))


def _repaired(site_id: int, begin: datetime, end: datetime):
    return select(WorkOrder.asset_id, WorkOrder.done_at, WorkOrder.created_at).where(
        WorkOrder.site_id == site_id, text(f"done_at IS NOT NULL AND {FAILURES_SQL}"),
        WorkOrder.done_at >= begin, WorkOrder.done_at < end)


def _preventive(site_id: int, first: date, last: date):
    """Generated work due on the days: all of it is due (the days are past), rejected aside."""
    return select(WorkOrder.asset_id, WorkOrder.due_on, WorkOrder.done_on).where(
        WorkOrder.site_id == site_id, WorkOrder.plan_id.is_not(None),
        WorkOrder.due_on >= first, WorkOrder.due_on <= last, WorkOrder.status != "rejected")


def _labour(site_id: int, begin: datetime, end: datetime):
    return select(WorkOrder.asset_id, LabourEntry.started_at, LabourEntry.minutes).join(
        WorkOrder, WorkOrder.id == LabourEntry.work_order_id).where(
        WorkOrder.site_id == site_id, LabourEntry.started_at >= begin,
        LabourEntry.started_at < end)


def _spans(site_id: int, begin: datetime, end: datetime) -> dict[int, list]:
    spans = defaultdict(list)
    for asset_id, started_at, ended_at in column_rows(select(
            Downtime.asset_id, Downtime.started_at, Downtime.ended_at).join(
            Asset, Asset.id == Downtime.asset_id).where(
            Asset.site_id == site_id, Downtime.started_at < end,
            or_(Downtime.ended_at.is_(None), Downtime.ended_at > begin))):
        spans[asset_id].append((started_at, ended_at))
    return spans


def _write(site_id: int, first: date, last: date, facts) -> None:
    """The days' rows replaced: per asset (days with something to count), and per category
    (of the asset's category now)."""
    categories = dict(column_rows(select(Asset.id, Asset.category_id).where(
        Asset.site_id == site_id)).all())
    connection = db.session.connection()
    for model in (MaintenanceAssetDay, MaintenanceDay):
        connection.execute(delete(model.__table__).where(
            model.site_id == site_id, model.day >= first, model.day <= last))
    per_asset, per_category = [], defaultdict(lambda: [0] * len(DAY_FACTS))
    for (asset_id, index), counted in facts.items():
        if not any(counted) or not 0 <= index <= (last - first).days:
            continue
        day = first + timedelta(days=index)
        per_asset.append({"site_id": site_id, "asset_id": asset_id, "day": day,
                          **dict(zip(DAY_FACTS, counted, strict=True))})
        summed = per_category[(day, categories.get(asset_id))]
        for position, value in enumerate(counted):
            summed[position] += value
    if per_asset:
        connection.execute(insert(MaintenanceAssetDay.__table__), per_asset)
        connection.execute(insert(MaintenanceDay.__table__), [
            {"site_id": site_id, "day": day, "category_id": category_id,
             **dict(zip(DAY_FACTS, counted, strict=True))}
            for (day, category_id), counted in per_category.items()])


# --- marks: a change to work, labour or downtime of a day counted already ----------------------

WORK_DATES = ("created_at", "done_at", "due_on", "done_on")
WORK_MOVES = ("kind", "asset_id", "site_id", "plan_id", "created_at")  # every date moves


def mark(site_id: int, from_at: datetime, to_at: datetime) -> None:
    """The site's days from `from_at` to `to_at` (UTC) are to be counted again."""
    db.session.add(MaintenanceStale(site_id=site_id, from_at=from_at, to_at=to_at))


def day_span(day: date) -> tuple[datetime, datetime]:
    """A day of any zone, in UTC (from UTC+14 to UTC-12): a mark for a date."""
    midnight = datetime.combine(day, time())
    return midnight - timedelta(hours=14), midnight + timedelta(hours=36)


class _Marks:
    """The marks of one flush: only of days the site may have counted (before its today),
    one mark each."""

    def __init__(self, session):
        self.session, self.now = session, utcnow()
        self.found: set[tuple[int, datetime, datetime]] = set()
        self.todays: dict[int, tuple[date, datetime]] = {}

    def _today(self, site_id: int) -> tuple[date, datetime]:
        if site_id not in self.todays:
            site = self.session.get(Site, site_id)
            self.todays[site_id] = today_of(site, self.now) if site else (
                self.now.date(), self.now)
        return self.todays[site_id]

    def _past(self, site_id: int, value) -> bool:
        """Before the site's today? Its zone is looked up only when the moment is near."""
        if isinstance(value, datetime):
            if value >= self.now or value < self.now - timedelta(hours=26):
                return value < self.now
            return value < self._today(site_id)[1]
        if value > self.now.date() + timedelta(days=1) or value < self.now.date() - \
                timedelta(days=1):
            return value < self.now.date()
        return value < self._today(site_id)[0]

    def add(self, site_id: int | None, value) -> None:
        """A moment, a (from, to) span or a date of the site's work."""
        if site_id is None or value is None:
            return
        if isinstance(value, tuple):
            from_at, to_at = value
            past = self._past(site_id, from_at)
        elif isinstance(value, datetime):
            from_at = to_at = value
            past = self._past(site_id, value)
        else:
            (from_at, to_at), past = day_span(value), self._past(site_id, value)
        if past:  # today and later: counted live, then at the end of the day
            self.found.add((site_id, from_at, to_at))

    def everything(self, site_id: int | None) -> None:
        if site_id is not None:
            self.found.add((site_id, datetime(1970, 1, 1), self.now))


def _history(record, name: str):
    return db.inspect(record).attrs[name].history


def has_changed(record, *names: str) -> bool:
    """Whether any of the attributes changed in this flush."""
    return any(_history(record, name).has_changes() for name in names)


def values_of(record, name: str, *, old: bool) -> list:
    """The attribute's value; with `old`, every value it had in this flush as well."""
    history = _history(record, name)
    if not old:
        return [getattr(record, name)]
    return [*history.deleted, *(history.unchanged or ()), *history.added] or [
        getattr(record, name)]


def _mark_work(marks: _Marks, order: WorkOrder, state: str) -> None:
    if state == "dirty":
        changed = {name for name in (*WORK_DATES, *WORK_MOVES, "status")
                   if _history(order, name).has_changes()}
        status = _history(order, "status")
        rejected = "rejected" in (*status.deleted, *status.added)
        names = set(WORK_DATES) if (changed & set(WORK_MOVES) or rejected) else \
            changed & set(WORK_DATES) | ({"due_on"} if "done_on" in changed else set())
        sites = set(values_of(order, "site_id", old=True))
        for name in names:
            for value in values_of(order, name, old=True):
                for site_id in sites:
                    marks.add(site_id, value)
        return
    for name in WORK_DATES:
        marks.add(order.site_id, getattr(order, name))


def site_of_asset(session, asset_id: int | None) -> int | None:
    asset = session.get(Asset, asset_id) if asset_id else None
    return asset.site_id if asset else None


def _mark_downtime(marks: _Marks, span: Downtime, state: str) -> None:
    old = state == "dirty"
    starts = [v for v in values_of(span, "started_at", old=old) if v]
    ends = [v or marks.now for v in values_of(span, "ended_at", old=old)]
    if not starts:
        return
    for asset_id in values_of(span, "asset_id", old=old):
        marks.add(site_of_asset(marks.session, asset_id), (min(starts), max(ends)))


def _mark_labour(marks: _Marks, entry: LabourEntry, state: str) -> None:
    old = state == "dirty"
    for work_order_id in values_of(entry, "work_order_id", old=old):
        order = marks.session.get(WorkOrder, work_order_id) if work_order_id else None
        for started_at in values_of(entry, "started_at", old=old):
            if order is not None and started_at is not None:
                marks.add(order.site_id, started_at)


def _mark_asset(marks: _Marks, asset: Asset, state: str) -> None:
    """An asset moved to another category or site: its sites' days are all counted again (its
    work is counted under its category now). A deleted asset takes its work with it."""
    if state == "deleted":
        marks.everything(asset.site_id)
    elif state == "dirty" and has_changed(asset, "category_id", "site_id"):
        for site_id in values_of(asset, "site_id", old=True):
            marks.everything(site_id)


def _mark_site(marks: _Marks, site: Site, state: str) -> None:
    """Another time zone: the site's days begin at other moments, all counted again."""
    if state == "dirty" and has_changed(site, "timezone"):
        marks.everything(site.id)


MARKERS = {WorkOrder: _mark_work, Downtime: _mark_downtime, LabourEntry: _mark_labour,
           Asset: _mark_asset, Site: _mark_site}


@event.listens_for(Session, "before_flush")
def mark_changed_days(session, _context, _instances) -> None:
    marks = None
    for state, records in (("new", session.new), ("dirty", session.dirty),
                           ("deleted", session.deleted)):
        for record in records:
            marker = MARKERS.get(type(record))
            if marker is None or (state == "dirty" and not session.is_modified(record)):
                continue
            marks = marks or _Marks(session)
            marker(marks, record, state)
    for site_id, from_at, to_at in (marks.found if marks else ()):
        session.add(MaintenanceStale(site_id=site_id, from_at=from_at, to_at=to_at))
