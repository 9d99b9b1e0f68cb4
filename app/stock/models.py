"""Stock: the item catalogue (shared by every site), stores at sites and their bins, and the
movement ledger, which is the record of every quantity. On hand per item and bin is the sum
of its movements; `StockBalance` holds that sum as a cache, changed in the same statement
that checks it (tests/unit/test_stock_ledger.py proves it equal to the ledger)."""

from datetime import datetime
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import CreatedByMixin, PublicIdMixin, TimestampMixin, utcnow
from app.extensions import db

QUANTITY = Numeric(14, 3)  # fractions of a unit: metres of cable, litres of oil
MONEY = Numeric(12, 2)

# kind -> the sign of its quantity (an adjustment has either)
MOVEMENT_KINDS = ("receipt", "issue", "return", "transfer_out", "transfer_in", "adjustment")
MOVEMENT_LABELS = {"receipt": _l("Received"), "issue": _l("Issued"), "return": _l("Returned"),
                   "transfer_out": _l("Moved out"), "transfer_in": _l("Moved in"),
                   "adjustment": _l("Adjusted")}
REQUEST_STATUSES = ("open", "issued", "cancelled")
REQUEST_STATUS_LABELS = {"open": _l("Asked for"), "issued": _l("Issued"),
                         "cancelled": _l("Cancelled")}
PURCHASE_STATUSES = ("requested", "approved", "rejected", "received", "cancelled")
PURCHASE_STATUS_LABELS = {"requested": _l("Waiting for approval"), "approved": _l("Approved"),
                          "rejected": _l("Rejected"), "received": _l("Received"),
                          "cancelled": _l("Cancelled")}
ADJUST_REASONS = ("count", "damaged", "expired", "found", "lost", "other")
ADJUST_REASON_LABELS = {"count": _l("Counted different"), "damaged": _l("Damaged"),
                        "expired": _l("Expired"), "found": _l("Found"), "lost": _l("Lost"),
                        "other": _l("Other")}


class StockItem(TimestampMixin, CreatedByMixin, db.Model):
    """A part or consumable in the catalogue, with what reordering it needs."""

    __tablename__ = "stock_item"
    __entity__ = "stockitem"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)  # upper case
    name: Mapped[str] = mapped_column(String(150))
    name_zh: Mapped[str] = mapped_column(String(150), default="")
    category: Mapped[str] = mapped_column(String(60), default="")
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    unit_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    reorder_point: Mapped[Decimal | None] = mapped_column(QUANTITY)
    reorder_quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    barcodes = relationship("ItemBarcode", order_by="ItemBarcode.id", lazy="selectin",
                            cascade="all, delete-orphan")

    __table_args__ = (Index("ix_stock_item_category", "category", "sku"),)

    @property
    def label(self) -> str:
        return self.name_zh if str(get_locale()) == "zh_Hans" and self.name_zh else self.name


class ItemBarcode(db.Model):
    """A code that finds an item when scanned (the maker's EAN, a supplier's label)."""

    __tablename__ = "stock_item_barcode"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="CASCADE"),
                                         index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)


class Store(TimestampMixin, db.Model):
    """A storeroom at a site. Stock never goes below zero in it unless it allows that (a
    store that issues before the receipt is booked)."""

    __tablename__ = "stock_store"
    __entity__ = "store"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    allows_negative: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    site = relationship("Site")

    __table_args__ = (UniqueConstraint("site_id", "code"),)


class StockBin(PublicIdMixin, db.Model):
    """A shelf, drawer or place in a store, found by its code (scanned from its label)."""

    __tablename__ = "stock_bin"
    __entity__ = "stockbin"
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stock_store.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))  # upper case
    name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    counted_at: Mapped[datetime | None]  # its last approved count (cycle counts by age)

    store = relationship("Store")

    __table_args__ = (UniqueConstraint("store_id", "code"),)


class Movement(db.Model):
    """One change of a quantity of an item in a bin: written once, never changed or deleted
    (a mistake is corrected by another movement). A transfer is a pair: out of one bin, into
    another, each naming the other."""

    __tablename__ = "stock_movement"
    __entity__ = "movement"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="RESTRICT"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("stock_bin.id", ondelete="RESTRICT"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stock_store.id", ondelete="RESTRICT"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)  # signed: + in, - out
    unit_cost: Mapped[Decimal] = mapped_column(MONEY)  # the item's at the time
    pair_id: Mapped[int | None]  # a transfer's in half: its out half
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id",
                                                                 ondelete="RESTRICT"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("stock_part_request.id",
                                                              ondelete="RESTRICT"))
    purchase_line_id: Mapped[int | None] = mapped_column(ForeignKey(
        "stock_purchase_line.id", ondelete="RESTRICT"))  # a receipt against a purchase
    person_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    cost_centre: Mapped[str] = mapped_column(String(40), default="")
    supplier: Mapped[str] = mapped_column(String(100), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                 ondelete="SET NULL"))

    item = relationship("StockItem")
    bin = relationship("StockBin")
    person = relationship("User", foreign_keys=[person_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    work_order = relationship("WorkOrder")

    __table_args__ = (
        Index("ix_stock_movement_item", "item_id", "id"),  # an item's history, newest first
        Index("ix_stock_movement_bin_item", "bin_id", "item_id", "id"),  # a bin's, a count's
        Index("ix_stock_movement_by", "created_by_id", "id"),  # a scanning screen's lines
        Index("ix_stock_movement_work_order", "work_order_id",
              postgresql_where=text("work_order_id IS NOT NULL"),
              sqlite_where=text("work_order_id IS NOT NULL")),
    )

    @property
    def value(self) -> Decimal:
        return self.quantity * self.unit_cost


class PartRequest(TimestampMixin, db.Model):
    """Parts a technician asks for on a work order; the storekeeper issues them (issue
    movements naming the request), at once or in parts, or it is cancelled."""

    __tablename__ = "stock_part_request"
    __entity__ = "partrequest"
    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id",
                                                          ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="RESTRICT"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    issued: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal("0"))  # issued for it so far
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(String(300), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                   ondelete="SET NULL"))

    item = relationship("StockItem")
    work_order = relationship("WorkOrder")
    requested_by = relationship("User")

    __table_args__ = (
        Index("ix_stock_part_request_work_order", "work_order_id", "id"),
        # the storekeeper's list: what is still asked for at a site, oldest first
        Index("ix_stock_part_request_open", "site_id", "id",
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
    )

    @property
    def outstanding(self) -> Decimal:
        return max(self.quantity - self.issued, Decimal("0"))


class PurchaseRequest(TimestampMixin, db.Model):
    """What a store should buy, how many and why: a supervisor approves or rejects it, and
    its receipts name its lines until all of them are in."""

    __tablename__ = "stock_purchase_request"
    __entity__ = "purchaserequest"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # PR-2026-000123
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stock_store.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="requested")
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                   ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                 ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(String(300), default="")

    store = relationship("Store")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    lines = relationship("PurchaseLine", order_by="PurchaseLine.id", lazy="selectin",
                         cascade="all, delete-orphan", back_populates="request")

    __table_args__ = (Index("ix_stock_purchase_request_site", "site_id", "id"),)

    @property
    def value(self) -> Decimal:
        return sum((line.quantity * line.item.unit_cost for line in self.lines), Decimal("0"))


class PurchaseLine(db.Model):
    """An item of a purchase request: how many, and how many have come in."""

    __tablename__ = "stock_purchase_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("stock_purchase_request.id",
                                                       ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="RESTRICT"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    received: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal("0"))

    request = relationship("PurchaseRequest", back_populates="lines")
    item = relationship("StockItem", lazy="joined")

    @property
    def outstanding(self) -> Decimal:
        return max(self.quantity - self.received, Decimal("0"))


class StockBalance(db.Model):
    """On hand of an item in a bin: the sum of their movements, kept as a cache so that a
    movement checks "never below zero" in one row lock (`services._change_balance`)."""

    __tablename__ = "stock_balance"
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="CASCADE"),
                                         primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("stock_bin.id", ondelete="CASCADE"),
                                        primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stock_store.id", ondelete="CASCADE"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal("0"))

    bin = relationship("StockBin")
    item = relationship("StockItem")

    __table_args__ = (
        Index("ix_stock_balance_bin", "bin_id", "item_id"),  # a bin's contents, a count's
        # an item's on hand at the stores of the viewer's sites, from the index alone
        Index("ix_stock_balance_item_store", "item_id", "store_id", "quantity"),
    )


@event.listens_for(Movement, "before_update")
def _movements_are_never_changed(_mapper, _connection, movement):
    raise ValueError(f"stock movement {movement.id} is in the ledger: post another instead")


@event.listens_for(Movement, "before_delete")
def _movements_are_never_deleted(_mapper, _connection, movement):
    raise ValueError(f"stock movement {movement.id} is in the ledger: it is never deleted")


# --- stocktake -----------------------------------------------------------------------------------

COUNT_SCOPES = ("store", "bins", "categories", "items")
COUNT_STATUSES = ("counting", "approved", "cancelled")
COUNT_STATUS_LABELS = {"counting": _l("Counting"), "approved": _l("Approved"),
                       "cancelled": _l("Cancelled")}
LINE_STATUSES = ("open", "counted", "recount")
LINE_STATUS_LABELS = {"open": _l("Not counted"), "counted": _l("Counted"),
                      "recount": _l("Recount asked")}
UNCOUNTED_RULES = ("leave", "zero")


class StockCount(TimestampMixin, db.Model):
    """A stocktake of a store, of some of its bins, or of some categories or items: what each
    line (item x bin) held when it started, what was counted, and at approval the adjustments
    that make the books say what is on the shelves."""

    __tablename__ = "stock_count"
    __entity__ = "stockcount"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # SC-2026-000123
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stock_store.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(20), default="store")
    scope_text: Mapped[str] = mapped_column(String(300), default="")  # the bins or categories
    blind: Mapped[bool] = mapped_column(default=True)  # counters do not see what is expected
    bin_scan_first: Mapped[bool] = mapped_column(default=False)  # no bin chosen from a list
    tolerance_quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal("0"))
    tolerance_value: Mapped[Decimal | None] = mapped_column(MONEY)  # None: not checked
    status: Mapped[str] = mapped_column(String(20), default="counting")
    # the newest movement of the ledger when the count started: later ones moved during it
    mark: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(300), default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                 ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                  ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    uncounted: Mapped[str] = mapped_column(String(10), default="")  # at approval: leave, zero
    # inventory record accuracy, as approved: lines counted, and of those within tolerance
    lines_counted: Mapped[int | None]
    lines_within: Mapped[int | None]

    store = relationship("Store")
    started_by = relationship("User", foreign_keys=[started_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])

    __table_args__ = (Index("ix_stock_count_store", "store_id", "id"),
                      Index("ix_stock_count_site", "site_id", "id"))

    @property
    def accuracy(self) -> float | None:
        """Lines within tolerance / lines counted, in %; None when nothing was counted."""
        if not self.lines_counted:
            return None
        return 100 * (self.lines_within or 0) / self.lines_counted


class CountBin(db.Model):
    """A bin a count covers, and whether it was found empty."""

    __tablename__ = "stock_count_bin"
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_count.id", ondelete="CASCADE"),
                                          primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("stock_bin.id", ondelete="CASCADE"),
                                        primary_key=True)
    emptied_at: Mapped[datetime | None]  # "counted empty": nothing found in it
    emptied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                 ondelete="SET NULL"))

    bin = relationship("StockBin")


class CountLine(db.Model):
    """An item in a bin of a count. `expected` is its on hand when the count started; `book`
    its on hand at the moment it was counted (expected + what moved in between), so that its
    variance is counted - book whatever moves afterwards; `mark` is the newest movement of
    the item and bin at that moment (a newer one: it moved after it was counted). A recount
    replaces the count, and the first is kept in first_*."""

    __tablename__ = "stock_count_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_count.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id", ondelete="RESTRICT"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("stock_bin.id", ondelete="RESTRICT"))
    expected: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal("0"))
    added: Mapped[bool] = mapped_column(default=False)  # found where it was not expected
    status: Mapped[str] = mapped_column(String(20), default="open")
    counted: Mapped[Decimal | None] = mapped_column(QUANTITY)
    book: Mapped[Decimal | None] = mapped_column(QUANTITY)
    mark: Mapped[int | None]
    counted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                 ondelete="SET NULL"))
    counted_at: Mapped[datetime | None]
    first_counted: Mapped[Decimal | None] = mapped_column(QUANTITY)
    first_book: Mapped[Decimal | None] = mapped_column(QUANTITY)
    first_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    first_at: Mapped[datetime | None]
    recount_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                 ondelete="SET NULL"))

    item = relationship("StockItem")
    bin = relationship("StockBin")
    counted_by = relationship("User", foreign_keys=[counted_by_id])
    first_by = relationship("User", foreign_keys=[first_by_id])
    recount_by = relationship("User", foreign_keys=[recount_by_id])

    __table_args__ = (
        UniqueConstraint("count_id", "bin_id", "item_id"),  # a bin's lines
        Index("ix_stock_count_line_counter", "count_id", "counted_by_id", "counted_at"),  # a
        # counting screen's saved lines
    )

    @property
    def variance(self) -> Decimal | None:
        if self.counted is None or self.book is None:
            return None
        return self.counted - self.book

    @property
    def first_variance(self) -> Decimal | None:
        if self.first_counted is None or self.first_book is None:
            return None
        return self.first_counted - self.first_book
