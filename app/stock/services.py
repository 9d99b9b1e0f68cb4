"""Changes to stock: the catalogue, stores and bins, and every movement of the ledger.

A movement and the balance it changes are written in one transaction; the balance row is
changed by one UPDATE that also checks the result is not below zero (unless the store allows
it), so that two people taking the last unit at the same moment are served one after the
other and the second is told there is none left (PostgreSQL re-reads the row it waited for;
SQLite's writers queue)."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import attachments, audit
from app.core.db import upsert_insert
from app.core.domain import DomainError
from app.extensions import db
from app.stock.models import (
    ADJUST_REASONS,
    ItemBarcode,
    Movement,
    StockBalance,
    StockBin,
    StockItem,
    Store,
)

MAX_QUANTITY = Decimal("999999")
# SQLite keeps a NUMERIC with a fraction as a float: 0.1 + 0.2 is 0.30000000000000004 there.
# Quantities have three decimals, so a balance within half a thousandth of zero is zero.
ZERO_TOLERANCE = Decimal("0.0005")
ITEM_AUDITED = ("sku", "name", "name_zh", "category", "unit", "unit_cost", "reorder_point",
                "reorder_quantity", "active", "notes")


@dataclass
class ItemFields:
    sku: str
    name: str
    name_zh: str = ""
    category: str = ""
    unit: str = "pcs"
    unit_cost: Decimal = Decimal("0")
    reorder_point: Decimal | None = None
    reorder_quantity: Decimal | None = None
    active: bool = True
    notes: str = ""
    barcodes: tuple[str, ...] = ()


# --- the catalogue -------------------------------------------------------------------------------

def create_item(values: ItemFields, *, by) -> StockItem:
    item = StockItem(created_by_id=getattr(by, "id", None))
    _apply_item(item, values)
    db.session.add(item)
    db.session.flush()
    audit.record(by, "create", item, summary=f"{item.sku} {item.name}",
                 after=audit.snapshot(item, ITEM_AUDITED))
    return item


def update_item(item: StockItem, values: ItemFields, *, by) -> None:
    before = audit.snapshot(item, ITEM_AUDITED)
    _apply_item(item, values)
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(item, ITEM_AUDITED))
    if new:
        audit.record(by, "update", item, summary=f"{item.sku} {item.name}", before=old,
                     after=new)


def add_item_photo(item: StockItem, file_storage, *, by):
    """A picture of the item as it looks on the shelf (a photo only: re-encoded, its
    thumbnail made); raises UploadError with a message for anything else."""
    attachment = attachments.save_image(file_storage, entity_type="stockitem",
                                        entity_id=item.id, site_id=None, by=by)
    audit.record(by, "add_photo", item, summary=f"{item.sku} {attachment.original_name}")
    return attachment


def _apply_item(item: StockItem, values: ItemFields) -> None:
    """Check every field against the catalogue, then set them all (nothing half set)."""
    sku = values.sku.strip().upper()
    taken = db.session.scalar(select(StockItem.id).where(func.upper(StockItem.sku) == sku,
                                                         StockItem.id != (item.id or 0)))
    if taken:
        raise DomainError(_l("Another item already has this SKU."), field="sku")
    codes = list(dict.fromkeys(code.strip() for code in values.barcodes if code.strip()))
    for code in codes:
        _check_code_free(code, item, field="barcodes")
    item.sku, item.name, item.name_zh = sku, values.name.strip(), values.name_zh.strip()
    item.category, item.unit = values.category.strip(), values.unit.strip() or "pcs"
    item.unit_cost = values.unit_cost or Decimal("0")
    item.reorder_point, item.reorder_quantity = values.reorder_point, values.reorder_quantity
    item.active, item.notes = values.active, values.notes
    kept = {barcode.code: barcode for barcode in item.barcodes}
    item.barcodes = [kept.get(code) or ItemBarcode(code=code) for code in codes]


def _check_code_free(code: str, item: StockItem | None, *, field: str) -> None:
    """A code finds one item: not another's barcode, nor another's SKU."""
    owner = db.session.scalar(select(ItemBarcode.item_id).where(ItemBarcode.code == code))
    if owner is None:
        owner = db.session.scalar(select(StockItem.id).where(StockItem.sku == code.upper()))
    if owner is not None and owner != getattr(item, "id", None):
        raise DomainError(_("The code %(code)s already finds another item.", code=code),
                          field=field)


def attach_code(item: StockItem, code: str, *, by) -> None:
    """A scanned code nobody knew, attached to an item: its next scan finds the item."""
    code = code.strip()
    if not code:
        raise DomainError(_l("Scan or type the code."), field="code")
    _check_code_free(code, item, field="code")
    if code not in {barcode.code for barcode in item.barcodes}:
        item.barcodes.append(ItemBarcode(code=code))
        db.session.flush()
        audit.record(by, "update", item, summary=f"{item.sku} {item.name}",
                     after={"barcode": code})


# --- stores and bins -----------------------------------------------------------------------------

def create_store(site, *, code: str, name: str, allows_negative: bool, by) -> Store:
    code = code.strip().upper()
    if db.session.scalar(select(Store.id).where(Store.site_id == site.id, Store.code == code)):
        raise DomainError(_l("This site already has a store with this code."), field="code")
    store = Store(site_id=site.id, code=code, name=name.strip(),
                  allows_negative=allows_negative)
    db.session.add(store)
    db.session.flush()
    audit.record(by, "create", store, summary=f"{store.code} {store.name}", site_id=site.id)
    return store


def update_store(store: Store, *, name: str, allows_negative: bool, active: bool, by) -> None:
    before = audit.snapshot(store, ("name", "allows_negative", "active"))
    store.name, store.allows_negative, store.active = name.strip(), allows_negative, active
    old, new = audit.changes(before, audit.snapshot(store, ("name", "allows_negative",
                                                            "active")))
    if new:
        audit.record(by, "update", store, summary=f"{store.code} {store.name}", before=old,
                     after=new, site_id=store.site_id)


def create_bins(store: Store, codes: list[str], *, name: str = "", by) -> list[StockBin]:
    """One bin or a row of them (A-01 ... A-20 typed as one code per line)."""
    codes = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
    if not codes:
        raise DomainError(_l("Type a bin code."), field="codes")
    taken = db.session.scalars(select(StockBin.code).where(StockBin.store_id == store.id,
                                                           StockBin.code.in_(codes))).all()
    if taken:
        raise DomainError(_("This store already has bin %(codes)s.", codes=", ".join(taken)),
                          field="codes")
    bins = [StockBin(store_id=store.id, code=code, name=name.strip()) for code in codes]
    db.session.add_all(bins)
    db.session.flush()
    audit.record(by, "create", bins[0], summary=f"{store.code}: {', '.join(codes)}",
                 site_id=store.site_id)
    return bins


# --- the ledger ----------------------------------------------------------------------------------

def receive(item: StockItem, bin_: StockBin, quantity: Decimal, *, supplier: str = "",
            reference: str = "", unit_cost: Decimal | None = None, note: str = "",
            purchase_line_id: int | None = None, by) -> Movement:
    """Stock in from a supplier. A unit cost given becomes the item's (its last price)."""
    check_quantity(quantity)
    if unit_cost is not None:
        if unit_cost < 0:
            raise DomainError(_l("Enter a cost of 0 or more."), field="unit_cost")
        item.unit_cost = unit_cost
    return _post("receipt", item, bin_, quantity, by=by, supplier=supplier.strip(),
                 reference=reference.strip(), note=note, purchase_line_id=purchase_line_id)


def issue(item: StockItem, bin_: StockBin, quantity: Decimal, *, work_order=None, person=None,
          cost_centre: str = "", note: str = "", request_id: int | None = None,
          by) -> Movement:
    """Stock out, to a work order, a person or a cost centre (at least one)."""
    check_quantity(quantity)
    if work_order is None and person is None and not cost_centre.strip():
        raise DomainError(_l("Say who or what it is issued to: a work order, a person or a "
                             "cost centre."), field="work_order")
    if work_order is not None and work_order.site_id != bin_.store.site_id:
        raise DomainError(_l("This work order is at another site."), field="work_order")
    return _post("issue", item, bin_, -quantity, by=by, work_order_id=getattr(
        work_order, "id", None), person_id=getattr(person, "id", None),
        cost_centre=cost_centre.strip(), note=note, request_id=request_id)


def return_stock(item: StockItem, bin_: StockBin, quantity: Decimal, *, work_order=None,
                 note: str = "", by) -> Movement:
    """Unused stock back on the shelf (from a work order, if it was issued to one)."""
    check_quantity(quantity)
    return _post("return", item, bin_, quantity, by=by,
                 work_order_id=getattr(work_order, "id", None), note=note)


def transfer(item: StockItem, from_bin: StockBin, to_bin: StockBin, quantity: Decimal, *,
             note: str = "", by) -> tuple[Movement, Movement]:
    """Out of one bin and into another (of this store or another): a pair of movements."""
    check_quantity(quantity)
    if from_bin.id == to_bin.id:
        raise DomainError(_l("Choose another bin to move it to."), field="to_bin")
    _lock_balances(item, [from_bin, to_bin])
    out = _post("transfer_out", item, from_bin, -quantity, by=by, note=note)
    # the in half names the out half (written once: the ledger has no edits)
    into = _post("transfer_in", item, to_bin, quantity, by=by, note=note, pair_id=out.id)
    return out, into


def adjust(item: StockItem, bin_: StockBin, change: Decimal, *, reason: str, note: str = "",
           by) -> Movement:
    """A correction, up or down, with its reason: found, lost, damaged, counted different."""
    if reason not in ADJUST_REASONS:
        raise DomainError(_l("Choose a reason."), field="reason")
    if not change or abs(change) > MAX_QUANTITY:
        raise DomainError(_l("Enter a change other than 0, up to 999,999 either way."),
                          field="change")
    return _post("adjustment", item, bin_, change, by=by, reason=reason, note=note)


def check_quantity(quantity) -> None:
    if quantity is None or not Decimal(quantity).is_finite() or not \
            Decimal("0") < quantity <= MAX_QUANTITY:
        raise DomainError(_l("Enter a quantity above 0, up to 999,999."), field="quantity")


def _post(kind: str, item: StockItem, bin_: StockBin, quantity: Decimal, *, by,
          **details) -> Movement:
    """The one way a quantity changes: the balance first (refused if it would go below
    zero), then the movement."""
    if not item.active:
        raise DomainError(_("Item %(sku)s is archived.", sku=item.sku), field="item")
    store = bin_.store
    _change_balance(item, bin_, store, quantity)
    movement = Movement(kind=kind, item_id=item.id, bin_id=bin_.id, store_id=store.id,
                        site_id=store.site_id, quantity=quantity, unit_cost=item.unit_cost,
                        created_by_id=getattr(by, "id", None), **details)
    db.session.add(movement)
    db.session.flush()
    return movement


def _ensure_balance(item: StockItem, bin_: StockBin) -> None:
    db.session.execute(upsert_insert(StockBalance.__table__).values(
        item_id=item.id, bin_id=bin_.id, store_id=bin_.store_id, quantity=0)
        .on_conflict_do_nothing())


def _lock_balances(item: StockItem, bins: list[StockBin]) -> None:
    """The balance rows a pair of movements will change, locked in one order (by bin): two
    transfers the opposite way wait for each other instead of deadlocking (PostgreSQL;
    SQLite's writers queue already)."""
    ordered = sorted(bins, key=lambda bin_: bin_.id)
    for bin_ in ordered:
        _ensure_balance(item, bin_)
    if db.engine.dialect.name == "postgresql":
        table = StockBalance.__table__
        db.session.execute(select(table.c.bin_id).where(
            table.c.item_id == item.id, table.c.bin_id.in_([bin_.id for bin_ in ordered]))
            .order_by(table.c.bin_id).with_for_update())


def _change_balance(item: StockItem, bin_: StockBin, store: Store, change: Decimal) -> None:
    """One statement in the usual case: stock in is added (the row made if it is new), stock
    out is taken only where enough is left (or the store allows less than none)."""
    table = StockBalance.__table__
    if change > 0 or store.allows_negative:
        insert = upsert_insert(table).values(item_id=item.id, bin_id=bin_.id,
                                             store_id=store.id, quantity=change)
        db.session.execute(insert.on_conflict_do_update(
            index_elements=[table.c.item_id, table.c.bin_id],
            set_={"quantity": table.c.quantity + insert.excluded.quantity}))
        return
    taken = db.session.execute(
        table.update().where(table.c.item_id == item.id, table.c.bin_id == bin_.id,
                             table.c.quantity + change > -ZERO_TOLERANCE)
        .values(quantity=table.c.quantity + change))
    if taken.rowcount != 1:  # none of it here, or not enough
        left = db.session.scalar(select(table.c.quantity).where(
            table.c.item_id == item.id, table.c.bin_id == bin_.id)) or 0
        raise DomainError(_("Only %(quantity)s %(unit)s of %(sku)s in bin %(bin)s.",
                             quantity=quantity_text(left), unit=item.unit, sku=item.sku,
                             bin=bin_.code), field="quantity")


def quantity_text(quantity) -> str:
    """A quantity as people write it: 12, 2.5, 0.125 (no trailing zeros)."""
    value = Decimal(str(quantity)).quantize(Decimal("0.001"))
    text_ = f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"
    return "0" if text_ in ("", "-0") else text_


def signed_quantity(quantity) -> str:
    """A movement's quantity with its sign: +5, -2.5."""
    return ("+" if quantity > 0 else "") + quantity_text(quantity)
