"""Buying stock: what is at or under its reorder point at a store, with a suggested order
quantity; a purchase request of some of it (what, how many, why), approved or rejected by a
supervisor; receipts against it, line by line, until all of it is in."""

import math
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import audit
from app.core.domain import DomainError
from app.core.models import utcnow
from app.core.references import next_reference
from app.extensions import db
from app.stock import services
from app.stock.models import Movement, PurchaseLine, PurchaseRequest, StockBalance, StockItem

MAX_LINES = 200


def suggested_quantity(item: StockItem, on_hand: Decimal) -> Decimal:
    """Enough to bring the store back above the reorder point, in whole reorder quantities
    when the item has one (5 on hand, reorder at 10, in 20s: 20; in none: 6)."""
    short = (item.reorder_point or Decimal("0")) - on_hand + 1
    lot = item.reorder_quantity
    if lot and lot > 0:
        return lot * max(1, math.ceil(short / lot))
    return max(short, Decimal("1"))


@dataclass
class LowItem:
    item: StockItem
    on_hand: Decimal
    suggested: Decimal


def low_at(store) -> list[LowItem]:
    """The items the store keeps (it has held them) at or under their reorder point, each
    with its suggested order quantity; one query, a store's balances summed."""
    on_hand = func.sum(StockBalance.quantity)
    rows = db.session.execute(
        select(StockItem, on_hand).join(StockBalance, StockBalance.item_id == StockItem.id)
        .where(StockBalance.store_id == store.id, StockItem.active,
               StockItem.reorder_point.is_not(None))
        .group_by(StockItem.id).having(on_hand <= StockItem.reorder_point)
        .order_by(StockItem.sku)).all()
    return [LowItem(item, _plain(quantity), _plain(suggested_quantity(item, _plain(quantity))))
            for item, quantity in rows]


def _plain(quantity) -> Decimal:
    """12, not 12.000 (as a form shows it)."""
    return Decimal(services.quantity_text(quantity))


def request_purchase(store, lines: list[tuple[StockItem, Decimal]], *, reason: str,
                     by) -> PurchaseRequest:
    lines = [(item, quantity) for item, quantity in lines if quantity]
    if not lines:
        raise DomainError(_l("Choose at least one item, with how many to buy."), field="items")
    if len(lines) > MAX_LINES:
        raise DomainError(_l("A purchase request has at most %(max)d items.", max=MAX_LINES),
                          field="items")
    if not reason.strip():
        raise DomainError(_l("Say why it is needed."), field="reason")
    for item, quantity in lines:
        try:
            services.check_quantity(quantity)
        except DomainError:
            raise DomainError(_("%(sku)s: enter a quantity above 0, up to 999,999.",
                                sku=item.sku), field="items") from None
    request = PurchaseRequest(reference=next_reference("PR"), site_id=store.site_id,
                              store_id=store.id, reason=reason.strip(),
                              requested_by_id=getattr(by, "id", None))
    request.lines = [PurchaseLine(item_id=item.id, quantity=quantity) for item, quantity in
                     lines]
    db.session.add(request)
    db.session.flush()
    audit.record(by, "create", request, summary=f"{request.reference}: {len(lines)} items",
                 site_id=store.site_id)
    return request


def decide(request: PurchaseRequest, *, approve: bool, note: str = "", by) -> None:
    if request.status != "requested":
        raise DomainError(_l("This purchase request is not waiting for approval."))
    if not approve and not note.strip():
        raise DomainError(_l("Say why it is rejected."), field="note")
    request.status = "approved" if approve else "rejected"
    request.decided_by_id, request.decided_at = by.id, utcnow()
    request.decision_note = note.strip()
    audit.record(by, "update", request, summary=request.reference,
                 after={"status": request.status}, site_id=request.site_id)


def cancel(request: PurchaseRequest, *, by) -> None:
    if request.status not in ("requested", "approved") or any(
            line.received for line in request.lines):
        raise DomainError(_l("Only a purchase request with nothing received yet can be "
                             "cancelled."))
    request.status = "cancelled"
    audit.record(by, "update", request, summary=request.reference,
                 after={"status": "cancelled"}, site_id=request.site_id)


def receive_for(request: PurchaseRequest, item: StockItem, bin_, quantity: Decimal, *,
                supplier: str = "", unit_cost: Decimal | None = None, note: str = "",
                by) -> Movement:
    """A receipt of one of the request's items: its reference is the request's; the request
    is received once every line is in."""
    if request.status != "approved":
        raise DomainError(_l("Stock is received against an approved purchase request."),
                          field="item")
    if bin_.store_id != request.store_id:
        raise DomainError(_l("This purchase is for another store."), field="bin")
    line = next((line for line in request.lines if line.item_id == item.id), None)
    if line is None:
        raise DomainError(_("%(sku)s is not on %(reference)s.", sku=item.sku,
                            reference=request.reference), field="item")
    movement = services.receive(item, bin_, quantity, supplier=supplier,
                                reference=request.reference, unit_cost=unit_cost, note=note,
                                by=by, purchase_line_id=line.id)
    line.received += quantity
    if all(each.received >= each.quantity for each in request.lines):
        request.status = "received"
    return movement


def receive_line(*, purchase: PurchaseRequest | None = None, **details) -> Movement:
    """The receive screen's line: against a purchase request when it names one."""
    if purchase is not None:
        return receive_for(purchase, details["item"], details["bin_"], details["quantity"],
                           supplier=details["supplier"], unit_cost=details["unit_cost"],
                           note=details["note"], by=details["by"])
    return services.receive(**details)
