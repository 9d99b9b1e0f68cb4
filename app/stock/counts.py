"""Stocktake: a count of a store (or of some bins, categories or items) while stock keeps
moving. Starting it records what each line (item x bin) held; counting a line records, in the
same lock as any movement of that item and bin, what the books said at that moment, so that a
line's variance is counted - (expected + what moved between the start and the count) and
movements after it was counted do not change it. Approving posts every adjustment in one
transaction."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, case, func, insert, literal, or_, select
from sqlalchemy.orm import contains_eager, joinedload, raiseload

from app.core import audit
from app.core.db import upsert_insert
from app.core.domain import DomainError
from app.core.i18n import utc_to_local
from app.core.models import utcnow
from app.core.references import next_reference
from app.extensions import db
from app.stock.models import (
    UNCOUNTED_RULES,
    CountBin,
    CountLine,
    Movement,
    StockBalance,
    StockBin,
    StockCount,
    StockItem,
    Store,
)
from app.stock.services import MAX_QUANTITY, ZERO_TOLERANCE

COUNT_PREFIX = "SC"


@dataclass
class CountPlan:
    """What a new count covers and how it is counted."""

    scope: str = "store"  # store, bins, categories, items
    bin_ids: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    item_ids: tuple[int, ...] = ()
    blind: bool = True
    bin_scan_first: bool = False
    tolerance_quantity: Decimal = Decimal("0")
    tolerance_value: Decimal | None = None
    note: str = ""
    scope_text: str = ""


# --- starting ------------------------------------------------------------------------------------

def start_count(store: Store, plan: CountPlan, *, by) -> StockCount:
    """A count of `store` as `plan` says: its bins and, for every item on hand in them (or
    below zero), a line holding that quantity as expected. Two statements copy the balances
    whatever their number (INSERT ... SELECT)."""
    if not store.active:
        raise DomainError(_l("This store is archived."))
    count = StockCount(reference=next_reference(COUNT_PREFIX), site_id=store.site_id,
                       store_id=store.id, scope=plan.scope, scope_text=plan.scope_text[:300],
                       blind=plan.blind, bin_scan_first=plan.bin_scan_first,
                       tolerance_quantity=plan.tolerance_quantity,
                       tolerance_value=plan.tolerance_value, note=plan.note.strip(),
                       started_by_id=getattr(by, "id", None))
    # what moves from now on moves during the count (ids only grow)
    count.mark = db.session.scalar(select(func.coalesce(func.max(Movement.id), 0)))
    db.session.add(count)
    db.session.flush()
    balances = _balances_in_scope(store, plan)
    db.session.execute(insert(CountLine.__table__).from_select(
        ["count_id", "item_id", "bin_id", "expected", "added", "status"],
        select(literal(count.id), balances.c.item_id, balances.c.bin_id, balances.c.quantity,
               literal(False), literal("open"))
        .order_by(balances.c.bin_id, balances.c.item_id)))
    db.session.execute(insert(CountBin.__table__).from_select(
        ["count_id", "bin_id"], _bins_in_scope(store, plan, count)))
    lines = db.session.scalar(select(func.count()).where(CountLine.count_id == count.id))
    bins = db.session.scalar(select(func.count()).where(CountBin.count_id == count.id))
    if not bins:
        raise DomainError(_l("Nothing to count: choose bins, categories or items of this "
                             "store."))
    audit.record(by, "start_count", count, summary=f"{count.reference} {store.code}: "
                                                   f"{bins} bins, {lines} lines")
    return count


def _balances_in_scope(store: Store, plan: CountPlan):
    """The balance rows a count copies: (item_id, bin_id, quantity)."""
    statement = select(StockBalance.item_id, StockBalance.bin_id, StockBalance.quantity).where(
        StockBalance.store_id == store.id, StockBalance.quantity != 0)
    statement = statement.join(StockBin, StockBin.id == StockBalance.bin_id).where(
        StockBin.active)
    if plan.scope == "bins":
        statement = statement.where(StockBalance.bin_id.in_(plan.bin_ids))
    elif plan.scope == "categories":
        statement = statement.join(StockItem, StockItem.id == StockBalance.item_id).where(
            StockItem.category.in_(plan.categories))
    elif plan.scope == "items":
        statement = statement.where(StockBalance.item_id.in_(plan.item_ids))
    return statement.subquery()


def _bins_in_scope(store: Store, plan: CountPlan, count: StockCount):
    if plan.scope in ("store", "bins"):
        statement = select(literal(count.id), StockBin.id).where(
            StockBin.store_id == store.id, StockBin.active)
        if plan.scope == "bins":
            statement = statement.where(StockBin.id.in_(plan.bin_ids))
        return statement
    # categories, items: the bins where they are
    return select(literal(count.id), CountLine.bin_id).where(
        CountLine.count_id == count.id).distinct()


# --- counting ------------------------------------------------------------------------------------

def count_item(count: StockCount, bin_: StockBin, item: StockItem, quantity: Decimal, *,
               add: bool = False, by) -> CountLine:
    """What a counter found of `item` in `bin_`: `quantity` (or, with `add`, that much more:
    a scan of one more). The line's book quantity is read in the same lock a movement of the
    item and bin takes, so a movement is either before the count (in the book) or after it
    (flagged), never both."""
    _check_counting(count)
    if not Decimal("0") <= quantity <= MAX_QUANTITY:
        raise DomainError(_l("Enter a quantity of 0 or more, up to 999,999."), field="quantity")
    line, book, mark, covered = _line_and_book(count, bin_, item)
    if bin_.store_id != count.store_id or not covered:
        raise DomainError(_("Bin %(code)s is not in this count.", code=bin_.code), field="bin")
    if line is None:  # found where it was not expected
        line = CountLine(count_id=count.id, item_id=item.id, bin_id=bin_.id,
                         expected=Decimal("0"), added=True, status="open")
        db.session.add(line)
    if line.first_by_id is not None and line.first_by_id == getattr(by, "id", None):
        raise DomainError(_l("Another person recounts this line."), field="item")
    base = line.counted if add and line.status == "counted" and line.counted is not None \
        else Decimal("0")
    if base + quantity > MAX_QUANTITY:
        raise DomainError(_l("Enter a quantity of 0 or more, up to 999,999."), field="quantity")
    _record(line, base + quantity, book, mark, by)
    db.session.flush()
    return line


def _record(line: CountLine, quantity: Decimal, book: Decimal, mark: int, by) -> None:
    line.counted, line.book, line.mark = quantity, book, mark
    line.counted_by_id, line.counted_at, line.status = getattr(by, "id", None), utcnow(), \
        "counted"


def _check_counting(count: StockCount) -> None:
    if count.status != "counting":
        raise DomainError(_l("This count is closed: nothing in it changes any more."))


def _covers_bin(count: StockCount, bin_: StockBin) -> bool:
    return db.session.scalar(select(CountBin.bin_id).where(
        CountBin.count_id == count.id, CountBin.bin_id == bin_.id)) is not None


def _line_and_book(count: StockCount, bin_: StockBin, item: StockItem):
    """(the line or None, on hand now, the newest movement id of the item and bin, whether
    the count covers the bin): the balance row, locked (PostgreSQL) as a movement locks it,
    with the line joined to it; one query on SQLite, whose writers queue anyway."""
    mark = (select(func.coalesce(func.max(Movement.id), 0))
            .where(Movement.bin_id == bin_.id, Movement.item_id == item.id).scalar_subquery())
    covered = select(CountBin.bin_id).where(CountBin.count_id == count.id,
                                            CountBin.bin_id == bin_.id).exists()
    locking = db.engine.dialect.name == "postgresql"
    statement = (select(StockBalance.quantity, covered, CountLine,
                        literal(0) if locking else mark)
                 .select_from(StockBalance)
                 .outerjoin(CountLine, and_(CountLine.count_id == count.id,
                                            CountLine.item_id == StockBalance.item_id,
                                            CountLine.bin_id == StockBalance.bin_id))
                 .where(StockBalance.item_id == item.id, StockBalance.bin_id == bin_.id))
    if locking:
        statement = statement.with_for_update(of=StockBalance.__table__)
    row = db.session.execute(statement).first()
    if row is None:
        # never held in this bin (no balance row, so no movement either): a line only if it
        # was found here earlier in this count
        line = db.session.scalar(select(CountLine).where(
            CountLine.count_id == count.id, CountLine.bin_id == bin_.id,
            CountLine.item_id == item.id))
        return line, Decimal("0"), 0, _covers_bin(count, bin_)
    book, is_covered, line, last = row
    if locking:  # read after the lock: every movement before it has committed, none after
        last = db.session.scalar(select(mark))
    return line, Decimal(str(book)), last, bool(is_covered)


def count_bin_empty(count: StockCount, bin_: StockBin, *, by) -> int:
    """Nothing found in `bin_`: each line of it not counted yet is counted 0 (each with its
    book at this moment). Returns how many lines that counted."""
    _check_counting(count)
    covered = db.session.scalar(select(CountBin).where(CountBin.count_id == count.id,
                                                       CountBin.bin_id == bin_.id))
    if covered is None:
        raise DomainError(_("Bin %(code)s is not in this count.", code=bin_.code), field="bin")
    covered.emptied_at, covered.emptied_by_id = utcnow(), getattr(by, "id", None)
    lines = db.session.scalars(select(CountLine).options(raiseload("*")).where(
        CountLine.count_id == count.id, CountLine.bin_id == bin_.id,
        CountLine.status == "open")).all()
    books = _books_of_bin(bin_, [line.item_id for line in lines])
    for line in lines:
        book, mark = books.get(line.item_id, (Decimal("0"), 0))
        _record(line, Decimal("0"), book, mark, by)
    db.session.flush()
    return len(lines)


def _books_of_bin(bin_: StockBin, item_ids: list[int]) -> dict[int, tuple[Decimal, int]]:
    """item -> (on hand now, newest movement id) for items of a bin, the balances locked
    (PostgreSQL) before the newest movements are read, as in `_line_and_book`."""
    if not item_ids:
        return {}
    balances = select(StockBalance.item_id, StockBalance.quantity).where(
        StockBalance.bin_id == bin_.id, StockBalance.item_id.in_(item_ids))
    if db.engine.dialect.name == "postgresql":
        balances = balances.order_by(StockBalance.item_id).with_for_update()
    on_hand = dict(db.session.execute(balances).all())
    marks = dict(db.session.execute(
        select(Movement.item_id, func.max(Movement.id)).where(
            Movement.bin_id == bin_.id, Movement.item_id.in_(list(on_hand)))
        .group_by(Movement.item_id)).all()) if on_hand else {}
    return {item_id: (Decimal(str(quantity)), marks.get(item_id, 0))
            for item_id, quantity in on_hand.items()}


# --- recounts ------------------------------------------------------------------------------------

def ask_recount(count: StockCount, line_ids: list[int], recounter, *, by) -> int:
    """Lines to be counted again by `recounter`, who did not count them: each line's count
    moves to first_* (kept), and the line waits for its recount. Returns how many."""
    _check_counting(count)
    lines = db.session.scalars(select(CountLine).where(
        CountLine.count_id == count.id, CountLine.id.in_(line_ids),
        CountLine.status == "counted")).all()
    if not lines:
        raise DomainError(_l("Choose counted lines to recount."), field="lines")
    if any(line.counted_by_id == recounter.id for line in lines):
        raise DomainError(_l("A recount is by another person than the first count's."),
                          field="recounter")
    for line in lines:
        line.first_counted, line.first_book = line.counted, line.book
        line.first_by_id, line.first_at = line.counted_by_id, line.counted_at
        line.counted = line.book = line.mark = line.counted_by_id = line.counted_at = None
        line.status, line.recount_by_id = "recount", recounter.id
    db.session.flush()
    audit.record(by, "ask_recount", count, summary=f"{count.reference}: {len(lines)} lines "
                                                   f"to {recounter.name or recounter.username}")
    return len(lines)


# --- review --------------------------------------------------------------------------------------

def variance_column():
    return CountLine.counted - CountLine.book


def over_tolerance(count: StockCount):
    """A counted line whose variance is over the count's tolerance, in quantity or value (in
    SQL; half a thousandth more, as SQLite keeps fractions as floats)."""
    variance = func.abs(variance_column())
    over = variance > count.tolerance_quantity + ZERO_TOLERANCE
    if count.tolerance_value is not None:
        over = or_(over, variance * StockItem.unit_cost > count.tolerance_value
                   + Decimal("0.005"))
    return and_(CountLine.status == "counted", over)


def moved_after_count(count: StockCount):
    """A counted line whose item and bin moved after it was counted (ix_stock_movement_bin),
    other than by the count's own adjustment."""
    later = select(Movement.id).where(Movement.bin_id == CountLine.bin_id,
                                      Movement.item_id == CountLine.item_id,
                                      Movement.id > CountLine.mark,
                                      Movement.reference != count.reference)
    return and_(CountLine.status == "counted", later.exists())


REVIEW_FILTERS = ("over", "moved", "uncounted", "recount")


def review_lines(count: StockCount, shown: str = ""):
    """The lines of a count in bin and item order (their ids: copied in that order), with
    their item and bin; `shown` keeps those over tolerance, moved after they were counted,
    not counted yet, or waiting for a recount."""
    statement = (select(CountLine).join(StockItem, StockItem.id == CountLine.item_id)
                 .options(contains_eager(CountLine.item), joinedload(CountLine.bin),
                          joinedload(CountLine.counted_by), joinedload(CountLine.first_by))
                 .where(CountLine.count_id == count.id))
    if shown == "over":
        statement = statement.where(over_tolerance(count))
    elif shown == "moved":
        statement = statement.where(moved_after_count(count))
    elif shown == "uncounted":
        statement = statement.where(CountLine.status == "open")
    elif shown == "recount":
        statement = statement.where(CountLine.status == "recount")
    return statement


def is_over(count: StockCount, line: CountLine) -> bool:
    """over_tolerance for a line already loaded (with its item)."""
    variance = line.variance if line.status == "counted" else None
    if variance is None:
        return False
    over = abs(variance) > count.tolerance_quantity + ZERO_TOLERANCE
    if count.tolerance_value is not None:
        over = over or abs(variance) * line.item.unit_cost > count.tolerance_value + \
            Decimal("0.005")
    return over


def lines_over(count: StockCount, lines: list[CountLine]) -> set[int]:
    return {line.id for line in lines if is_over(count, line)}


def moved_lines(count: StockCount, line_ids: list[int]) -> set[int]:
    """Of these lines, those whose item and bin moved after they were counted."""
    if not line_ids:
        return set()
    return set(db.session.scalars(select(CountLine.id).where(
        CountLine.id.in_(line_ids), moved_after_count(count))))


@dataclass(frozen=True)
class CountSummary:
    lines: int
    counted: int
    within: int
    over: int
    moved: int
    recount: int
    value_over: Decimal  # counted more than the books, at unit cost
    value_under: Decimal  # less: the two never net out

    @property
    def uncounted(self) -> int:
        return self.lines - self.counted - self.recount

    @property
    def accuracy(self) -> float | None:
        """Lines within tolerance / lines counted, in %; None (shown "-") before any count."""
        return 100 * self.within / self.counted if self.counted else None


def summary(count: StockCount) -> CountSummary:
    """The count's figures in one query over its lines."""
    variance = variance_column()
    value = variance * StockItem.unit_cost
    counted = CountLine.status == "counted"

    def number(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        select(func.count(CountLine.id), number(counted), number(over_tolerance(count)),
               number(moved_after_count(count)), number(CountLine.status == "recount"),
               func.coalesce(func.sum(case((and_(counted, value > 0), value), else_=0)), 0),
               func.coalesce(func.sum(case((and_(counted, value < 0), -value), else_=0)), 0))
        .join(StockItem, StockItem.id == CountLine.item_id)
        .where(CountLine.count_id == count.id)).one()
    lines, counted_lines, over, moved, recount, value_over, value_under = row
    return CountSummary(lines, counted_lines, counted_lines - over, over, moved, recount,
                        _money(value_over), _money(value_under))


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# --- approval ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Approval:
    adjusted: int  # adjustment movements posted
    summary: CountSummary
    action: object = None  # the corrective action raised, if any


def approve(count: StockCount, *, uncounted: str, by, raise_action: bool = False) -> Approval:
    """Every line's adjustment posted at once (all or nothing), the count as its reference:
    a counted line by its variance; a line not counted left as it is (`uncounted` "leave")
    or set to zero ("zero"). The count is read-only from then on."""
    _check_counting(count)
    if uncounted not in UNCOUNTED_RULES:
        raise DomainError(_l("Choose what happens to the lines nobody counted."),
                          field="uncounted")
    figures = summary(count)
    if figures.recount:
        raise DomainError(ngettext("%(num)d line waits for its recount.",
                                   "%(num)d lines wait for their recount.", figures.recount))
    changes = _adjustments(count, zero_uncounted=uncounted == "zero")
    _post_adjustments(count, changes, by)
    now = utcnow()
    count.status, count.uncounted, count.approved_by_id, count.approved_at = \
        "approved", uncounted, getattr(by, "id", None), now
    count.lines_counted, count.lines_within = figures.counted, figures.within
    db.session.execute(StockBin.__table__.update().where(StockBin.id.in_(
        select(CountBin.bin_id).where(CountBin.count_id == count.id))).values(counted_at=now))
    db.session.flush()
    audit.record(by, "approve_count", count, summary=(
        f"{count.reference}: {len(changes)} adjustments, {figures.within}/{figures.counted} "
        "lines within tolerance"))
    action = _raise_action(count, figures, by) if raise_action and figures.over else None
    return Approval(len(changes), figures, action)


@dataclass(frozen=True)
class _Change:
    item_id: int
    bin_id: int
    change: Decimal
    unit_cost: Decimal
    on_hand: Decimal
    sku: str
    bin_code: str


def _adjustments(count: StockCount, *, zero_uncounted: bool) -> list[_Change]:
    """The change each line needs, from one query (the balances locked on PostgreSQL)."""
    _lock_balances_of(count)
    statement = (select(CountLine.item_id, CountLine.bin_id, CountLine.status,
                        CountLine.counted, CountLine.book, StockItem.unit_cost, StockItem.sku,
                        StockBin.code, func.coalesce(StockBalance.quantity, 0))
                 .join(StockItem, StockItem.id == CountLine.item_id)
                 .join(StockBin, StockBin.id == CountLine.bin_id)
                 .outerjoin(StockBalance, and_(StockBalance.item_id == CountLine.item_id,
                                               StockBalance.bin_id == CountLine.bin_id))
                 .where(CountLine.count_id == count.id))
    changes = []
    for item_id, bin_id, status, counted, book, cost, sku, code, on_hand in \
            db.session.execute(statement):
        on_hand = Decimal(str(on_hand))
        if status == "counted":
            change = Decimal(str(counted)) - Decimal(str(book))
        elif zero_uncounted:
            change = -on_hand
        else:
            continue
        change = change.quantize(Decimal("0.001"))
        if change:
            changes.append(_Change(item_id, bin_id, change, Decimal(str(cost)), on_hand, sku,
                                   code))
    _check_none_below_zero(count, changes)
    return changes


def _lock_balances_of(count: StockCount) -> None:
    if db.engine.dialect.name != "postgresql":
        return  # SQLite's writers queue
    lines = select(CountLine.item_id, CountLine.bin_id).where(
        CountLine.count_id == count.id).subquery()
    db.session.execute(select(StockBalance.item_id).join(lines, and_(
        lines.c.item_id == StockBalance.item_id, lines.c.bin_id == StockBalance.bin_id))
        .order_by(StockBalance.bin_id, StockBalance.item_id).with_for_update())


def _check_none_below_zero(count: StockCount, changes: list[_Change]) -> None:
    """Stock issued after a line was counted can leave less than its variance takes away:
    the count is then not approved (those lines are recounted), unless the store allows
    stock below zero."""
    if count.store.allows_negative:
        return
    short = [change for change in changes if change.on_hand + change.change < -ZERO_TOLERANCE]
    if short:
        named = ", ".join(f"{change.sku} ({change.bin_code})" for change in short[:5])
        raise DomainError(_("These lines would go below zero: %(lines)s. Recount them.",
                            lines=named))


def _post_adjustments(count: StockCount, changes: list[_Change], by) -> None:
    """The movements and their balances in two statements of many rows each (a 5,000-line
    count in well under the 5 s it is allowed)."""
    if not changes:
        return
    now, by_id = utcnow(), getattr(by, "id", None)
    db.session.execute(insert(Movement.__table__), [
        {"kind": "adjustment", "item_id": change.item_id, "bin_id": change.bin_id,
         "store_id": count.store_id, "site_id": count.site_id, "quantity": change.change,
         "unit_cost": change.unit_cost, "reason": "count", "reference": count.reference,
         "cost_centre": "", "supplier": "", "note": "", "created_at": now,
         "created_by_id": by_id} for change in changes])
    table = StockBalance.__table__
    upsert = upsert_insert(table)
    db.session.execute(upsert.on_conflict_do_update(
        index_elements=[table.c.item_id, table.c.bin_id],
        set_={"quantity": table.c.quantity + upsert.excluded.quantity}), [
        {"item_id": change.item_id, "bin_id": change.bin_id, "store_id": count.store_id,
         "quantity": change.change} for change in changes])


def _raise_action(count: StockCount, figures: CountSummary, by):
    """A corrective action for the lines over tolerance, owned by the approver."""
    from app.actions import services as actions

    title = ngettext("Stocktake %(reference)s: %(num)d line over tolerance",
                     "Stocktake %(reference)s: %(num)d lines over tolerance", figures.over,
                     reference=count.reference)
    description = _("Counted more than the books: %(over)s; less: %(under)s. Find why the "
                    "records were wrong.", over=f"{figures.value_over:.2f}",
                    under=f"{figures.value_under:.2f}")
    return actions.raise_action(count, site_id=count.site_id, title=title, owner=by,
                                due_date=utc_to_local(utcnow(), count.store.site.timezone
                                                      or "UTC").date() + timedelta(days=14),
                                description=description, by=by)


def cancel(count: StockCount, *, by) -> None:
    """A count given up before approval: nothing is adjusted."""
    _check_counting(count)
    count.status = "cancelled"
    db.session.flush()
    audit.record(by, "cancel_count", count, summary=count.reference)


def accuracy_history(store: Store, limit: int = 12) -> list[StockCount]:
    """The store's approved counts, oldest first (the chart's order), the last `limit`."""
    newest = db.session.scalars(select(StockCount).options(
        joinedload(StockCount.store).joinedload(Store.site)).where(
        StockCount.store_id == store.id, StockCount.status == "approved")
        .order_by(StockCount.approved_at.desc(), StockCount.id.desc()).limit(limit)).all()
    return list(reversed(newest))
