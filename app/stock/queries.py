"""Reads of stock. The catalogue is shared; what is on hand, the stores and bins and the
movements are scoped to the user's sites."""

from decimal import Decimal

from flask import abort
from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import joinedload, lazyload

from app.core.db import for_change
from app.core.fields import record_id
from app.core.scoping import scope
from app.core.search import list_order, search_in
from app.extensions import db
from app.stock.models import (
    ItemBarcode,
    Movement,
    PartRequest,
    PurchaseRequest,
    StockBalance,
    StockBin,
    StockItem,
    Store,
)

ITEM_ORDER = (StockItem.sku.asc(), StockItem.id.asc())  # the SKU's unique index
MOVEMENT_ORDER = (Movement.id.desc(),)  # newest first, by ix_stock_movement_item


def item_order(search: str = "") -> tuple[tuple, object]:
    return list_order("fts_stock_item", search, ITEM_ORDER)


def on_hand_column(user):
    """An item's quantity at the stores of the user's sites (from ix_stock_balance_item_store
    alone), as a column of the item list."""
    statement = select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
        StockBalance.item_id == StockItem.id)
    if not user.is_admin:
        statement = statement.where(StockBalance.store_id.in_(my_store_ids(user)))
    return statement.correlate(StockItem).scalar_subquery()


def my_store_ids(user):
    return scope(select(Store.id), user, Store.site_id)


def item_list(user, *, search: str = "", category: str = "", low: bool = False,
              archived: bool = False):
    """Items of the catalogue; `low`: at or under the reorder point at the user's sites."""
    statement = select(StockItem).order_by(*ITEM_ORDER)
    if search:  # SKU, names and category (core.search)
        statement = search_in(statement, StockItem.id, "fts_stock_item", search)
    if category:
        statement = statement.where(StockItem.category == category)
    statement = statement.where(StockItem.active.is_(not archived))
    if low:
        statement = statement.where(StockItem.reorder_point.is_not(None),
                                    on_hand_column(user) <= StockItem.reorder_point)
    return statement


def on_hand_of(user, item_ids: list[int]) -> dict[int, Decimal]:
    """The listed items' quantities at the stores of the user's sites, in one query."""
    statement = (select(StockBalance.item_id, func.sum(StockBalance.quantity))
                 .where(StockBalance.item_id.in_(item_ids)).group_by(StockBalance.item_id))
    if not user.is_admin:
        statement = statement.where(StockBalance.store_id.in_(my_store_ids(user)))
    return dict(db.session.execute(statement).all()) if item_ids else {}


def categories() -> list[str]:
    return list(db.session.scalars(select(StockItem.category).where(StockItem.category != "")
                                   .distinct().order_by(StockItem.category)))


def get_item(item_id: int, *, lock: bool = False) -> StockItem:
    statement = select(StockItem).where(StockItem.id == item_id)
    item = db.session.scalar(for_change(statement) if lock else statement)
    if item is None:
        abort(404)
    return item


def item_by_code(code: str) -> StockItem | None:
    """What a scanned code finds: a barcode of an item, else an SKU."""
    code = (code or "").strip()
    if not code:
        return None
    # one query: each code is either one item's barcode or one item's SKU (services keep
    # them apart), so at most one row; a barcode wins if both ever matched
    barcode = select(ItemBarcode.item_id).where(ItemBarcode.code == code).scalar_subquery()
    # a scan needs the item, not its other codes (the item's page loads those)
    return db.session.scalar(select(StockItem).options(lazyload(StockItem.barcodes)).where(
        (StockItem.id == barcode) | (StockItem.sku == code.upper()))
        .order_by((StockItem.sku == code.upper()).asc()).limit(1))


def balances_of(user, item: StockItem):
    """Where the item is, at the user's sites: (balance, bin, store) with something on hand
    (or below zero, where a store allows it)."""
    statement = (select(StockBalance, StockBin, Store)
                 .join(StockBin, StockBin.id == StockBalance.bin_id)
                 .join(Store, Store.id == StockBalance.store_id)
                 .where(StockBalance.item_id == item.id, StockBalance.quantity != 0)
                 .order_by(Store.code, StockBin.code))
    return scope(statement, user, Store.site_id)


def movements_of(user, item: StockItem):
    statement = (select(Movement).options(joinedload(Movement.bin).joinedload(StockBin.store)
                                          .joinedload(Store.site),
                                          joinedload(Movement.created_by),
                                          joinedload(Movement.person),
                                          joinedload(Movement.work_order))
                 .where(Movement.item_id == item.id).order_by(*MOVEMENT_ORDER))
    return scope(statement, user, Movement.site_id)


def store_list(user, *, include_archived: bool = False):
    statement = select(Store).options(joinedload(Store.site)).order_by(Store.code, Store.id)
    if not include_archived:
        statement = statement.where(Store.active)
    return scope(statement, user, Store.site_id)


def get_store(user, store_id: int) -> Store:
    store = db.session.scalar(scope(select(Store).options(joinedload(Store.site))
                                    .where(Store.id == store_id), user, Store.site_id))
    if store is None:
        abort(404)
    return store


BIN_ORDER = (StockBin.code.asc(), StockBin.id.asc())  # the (store, code) unique index


def bins_of(store: Store):
    return select(StockBin).where(StockBin.store_id == store.id).order_by(*BIN_ORDER)


def select_bin(store: Store, bin_id: int):
    return select(StockBin).where(StockBin.id == bin_id, StockBin.store_id == store.id)


def used_on(user, item: StockItem, limit: int = 10):
    """The work orders the item was issued to lately, at the user's sites, with their asset:
    (work order, quantity used), newest first."""
    from app.maintenance.models import WorkOrder

    used = -func.sum(Movement.quantity)
    statement = (select(WorkOrder, used.label("used"))
                 .join(Movement, Movement.work_order_id == WorkOrder.id)
                 .options(joinedload(WorkOrder.asset))
                 .where(Movement.item_id == item.id, Movement.work_order_id.is_not(None))
                 .group_by(WorkOrder.id).order_by(func.max(Movement.id).desc()).limit(limit))
    return scope(statement, user, Movement.site_id)


def items_in_bins(bin_ids: list[int]) -> dict[int, int]:
    """How many items each listed bin holds (something on hand), in one query."""
    if not bin_ids:
        return {}
    return dict(db.session.execute(
        select(StockBalance.bin_id, func.count()).where(
            StockBalance.bin_id.in_(bin_ids), StockBalance.quantity != 0)
        .group_by(StockBalance.bin_id)).all())


def bin_by_code(store: Store, code: str) -> StockBin | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    # its store is the one given (bin.store is then found in the session, not loaded)
    return db.session.scalar(select(StockBin).where(
        StockBin.store_id == store.id, StockBin.code == code, StockBin.active))


def recent_movements(user, store: Store, kinds: tuple[str, ...], limit: int = 10):
    """What this user posted at this store lately (the screen's saved lines)."""
    return (select(Movement).options(joinedload(Movement.item), joinedload(Movement.bin))
            .where(Movement.store_id == store.id, Movement.kind.in_(kinds),
                   Movement.created_by_id == user.id)
            .order_by(Movement.id.desc()).limit(limit))


# --- part requests -------------------------------------------------------------------------------

REQUEST_ORDER = (PartRequest.id.asc(),)  # oldest first: who asked first is served first


def open_requests(user, site_id: int | None = None):
    """What technicians are waiting for at the user's sites (ix_stock_part_request_open)."""
    statement = (select(PartRequest).options(
        joinedload(PartRequest.item), joinedload(PartRequest.requested_by),
        joinedload(PartRequest.work_order))
        # as the partial index says it (a literal, not a parameter), so that it is used
        .where(PartRequest.status == literal_column("'open'"))
        .order_by(*REQUEST_ORDER))
    if site_id:
        statement = statement.where(PartRequest.site_id == site_id)
    return scope(statement, user, PartRequest.site_id)


def open_request(request_id, site_id: int) -> PartRequest | None:
    try:
        number = record_id(request_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(for_change(select(PartRequest).options(
        joinedload(PartRequest.item), joinedload(PartRequest.work_order)).where(
        PartRequest.id == number, PartRequest.site_id == site_id,
        PartRequest.status == "open")))


def get_request(user, request_id: int) -> PartRequest:
    found = db.session.scalar(for_change(scope(select(PartRequest).where(
        PartRequest.id == request_id), user, PartRequest.site_id)))
    if found is None:
        abort(404)
    return found


# --- purchase requests ---------------------------------------------------------------------------

PURCHASE_ORDER = (PurchaseRequest.id.desc(),)  # newest first (ix_stock_purchase_request_site)


def purchase_list(user, *, status: str = ""):
    statement = (select(PurchaseRequest).options(joinedload(PurchaseRequest.store),
                                                 joinedload(PurchaseRequest.requested_by))
                 .order_by(*PURCHASE_ORDER))
    if status:
        statement = statement.where(PurchaseRequest.status == status)
    return scope(statement, user, PurchaseRequest.site_id)


def get_purchase(user, purchase_id: int) -> PurchaseRequest:
    found = db.session.scalar(for_change(scope(select(PurchaseRequest).options(
        joinedload(PurchaseRequest.store)).where(PurchaseRequest.id == purchase_id), user,
        PurchaseRequest.site_id)))
    if found is None:
        abort(404)
    return found


def approved_purchase(purchase_id, store_id: int) -> PurchaseRequest | None:
    try:
        number = record_id(purchase_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(for_change(select(PurchaseRequest).where(
        PurchaseRequest.id == number, PurchaseRequest.store_id == store_id,
        PurchaseRequest.status == "approved")))


# --- valuation -----------------------------------------------------------------------------------

def valuation_of(store: Store):
    """(item, quantity, value) of what the store holds, its bins added up, the most valuable
    first; value = quantity x the item's unit cost now."""
    quantity = func.sum(StockBalance.quantity)
    value = func.sum(StockBalance.quantity * StockItem.unit_cost)
    return (select(StockItem, quantity.label("quantity"), value.label("value"))
            .join(StockBalance, StockBalance.item_id == StockItem.id)
            .where(StockBalance.store_id == store.id, StockBalance.quantity != 0)
            .group_by(StockItem.id).order_by(value.desc(), StockItem.sku))


def valuation_totals(store: Store) -> tuple[int, Decimal]:
    """How many items the store holds, and their value."""
    held = (select(StockBalance.item_id, func.sum(StockBalance.quantity * StockItem.unit_cost)
                   .label("value"))
            .join(StockItem, StockItem.id == StockBalance.item_id)
            .where(StockBalance.store_id == store.id, StockBalance.quantity != 0)
            .group_by(StockBalance.item_id).subquery())
    count, value = db.session.execute(select(func.count(), func.coalesce(
        func.sum(held.c.value), 0))).one()
    return count, Decimal(str(value or 0))
