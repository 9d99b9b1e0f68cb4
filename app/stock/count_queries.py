"""What stocktake pages read: counts at the user's sites, a count's bins and their progress,
the lines of a bin, a counter's saved lines; what a cycle count proposes."""

from datetime import timedelta
from decimal import Decimal

from flask import abort
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from app.core.db import for_change
from app.core.models import utcnow
from app.core.scoping import scope
from app.extensions import db
from app.stock.models import (
    CountBin,
    CountLine,
    StockBalance,
    StockBin,
    StockCount,
    StockItem,
    Store,
)

COUNT_ORDER = (StockCount.id.desc(),)  # newest first, by the primary key


def count_list(user, *, store_id: int | None = None, status: str = ""):
    statement = (select(StockCount).options(joinedload(StockCount.store),
                                            joinedload(StockCount.started_by))
                 .order_by(*COUNT_ORDER))
    if store_id:
        statement = statement.where(StockCount.store_id == store_id)
    if status:
        statement = statement.where(StockCount.status == status)
    return scope(statement, user, StockCount.site_id)


def get_count(user, count_id: int, *, lock: bool = False) -> StockCount:
    statement = scope(select(StockCount).options(
        joinedload(StockCount.store).joinedload(Store.site)).where(StockCount.id == count_id),
        user, StockCount.site_id)
    found = db.session.scalar(for_change(statement) if lock else statement)
    if found is None:
        abort(404)
    return found


def bin_ids_by_code(store: Store, codes: list[str]) -> dict[str, int]:
    return dict(db.session.execute(select(StockBin.code, StockBin.id).where(
        StockBin.store_id == store.id, StockBin.code.in_(codes), StockBin.active)).all())


def item_ids_by_sku(skus: list[str]) -> dict[str, int]:
    return dict(db.session.execute(select(StockItem.sku, StockItem.id).where(
        StockItem.sku.in_(skus))).all())


def count_bin_by_code(count: StockCount, code: str) -> StockBin | None:
    """A bin of the count, by its code: one query (its store is the count's)."""
    code = (code or "").strip().upper()
    if not code:
        return None
    return db.session.scalar(select(StockBin).join(CountBin, and_(
        CountBin.bin_id == StockBin.id, CountBin.count_id == count.id)).where(
        StockBin.store_id == count.store_id, StockBin.code == code))


def bins_progress(count: StockCount, *, limit: int = 60, todo_only: bool = False):
    """The count's bins by code: (bin, lines, lines counted, emptied at)."""
    lines = func.count(CountLine.id)
    counted = func.coalesce(func.sum(case((CountLine.status == "counted", 1), else_=0)), 0)
    statement = (select(StockBin, lines, counted, CountBin.emptied_at)
                 .join(CountBin, CountBin.bin_id == StockBin.id)
                 .outerjoin(CountLine, and_(CountLine.count_id == CountBin.count_id,
                                            CountLine.bin_id == CountBin.bin_id))
                 .where(CountBin.count_id == count.id)
                 .group_by(StockBin.id, CountBin.emptied_at).order_by(StockBin.code))
    if todo_only:
        statement = statement.where(CountBin.emptied_at.is_(None)).having(
            or_(lines == 0, counted < lines))
    return statement.limit(limit)


def bin_lines(count: StockCount, bin_: StockBin):
    """A bin's lines of a count, by SKU, with their items."""
    return (select(CountLine).join(StockItem, StockItem.id == CountLine.item_id)
            .options(joinedload(CountLine.item))
            .where(CountLine.count_id == count.id, CountLine.bin_id == bin_.id)
            .order_by(StockItem.sku))


def recent_count_lines(user, count: StockCount, limit: int = 10):
    """What this user counted lately in this count (the screen's saved lines)."""
    return (select(CountLine).options(joinedload(CountLine.item), joinedload(CountLine.bin))
            .where(CountLine.count_id == count.id, CountLine.counted_by_id == user.id)
            .order_by(CountLine.counted_at.desc(), CountLine.id.desc()).limit(limit))


# --- what a cycle count proposes --------------------------------------------------------------

def bins_not_counted_for(store: Store, days: int, limit: int = 100) -> list[StockBin]:
    """Active bins whose last approved count is older than `days` (or never), oldest first."""
    since = utcnow() - timedelta(days=days)
    return db.session.scalars(select(StockBin).where(
        StockBin.store_id == store.id, StockBin.active,
        or_(StockBin.counted_at.is_(None), StockBin.counted_at < since))
        .order_by(StockBin.counted_at.is_not(None), StockBin.counted_at, StockBin.code)
        .limit(limit)).all()


CLASS_SHARES = (("A", Decimal("0.80")), ("B", Decimal("0.95")))  # of the value, cumulated
CLASS_DAYS = {"A": 30, "B": 90, "C": 180}  # how often each class is counted


def item_classes(store: Store) -> list[tuple[int, str, str, Decimal]]:
    """The store's items by the value they hold (on hand x unit cost), highest first, each
    with its class: A the items holding the first 80 % of the value, B the next 15 %, C the
    rest: (item id, SKU, class, value)."""
    value = func.sum(StockBalance.quantity * StockItem.unit_cost)
    rows = db.session.execute(
        select(StockItem.id, StockItem.sku, value.label("value"))
        .join(StockBalance, StockBalance.item_id == StockItem.id)
        .where(StockBalance.store_id == store.id, StockBalance.quantity > 0)
        .group_by(StockItem.id, StockItem.sku).order_by(value.desc(), StockItem.sku)).all()
    total = sum((Decimal(str(row.value)) for row in rows), Decimal("0"))
    classes, running = [], Decimal("0")
    for item_id, sku, held in rows:
        share = running / total if total else Decimal("1")
        running += Decimal(str(held))
        label = next((name for name, top in CLASS_SHARES if share < top), "C")
        classes.append((item_id, sku, label, Decimal(str(held))))
    return classes


def items_due_by_class(store: Store, limit: int = 100) -> list[tuple[str, str]]:
    """(SKU, class) of the items whose class says they are due for a count here: never
    counted in this store, or last counted longer ago than their class allows; A first."""
    last = dict(db.session.execute(
        select(CountLine.item_id, func.max(CountLine.counted_at))
        .join(StockCount, StockCount.id == CountLine.count_id)
        .where(StockCount.store_id == store.id, StockCount.status == "approved",
               CountLine.status == "counted").group_by(CountLine.item_id)).all())
    now = utcnow()
    due = [(sku, label) for item_id, sku, label, _value in item_classes(store)
           if last.get(item_id) is None
           or last[item_id] < now - timedelta(days=CLASS_DAYS[label])]
    return sorted(due, key=lambda row: row[1])[:limit]
