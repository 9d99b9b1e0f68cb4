"""Parts for work orders: a technician asks for them on the work order (a request per item),
the storekeeper issues them against the request (issue movements that name it and its work
order), unused parts come back as returns; the work order's page shows the parts used with
their cost and the work order's total cost."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import audit
from app.core.domain import DomainError
from app.extensions import db
from app.maintenance.models import ENDED, LabourEntry, MaintenanceCode, WorkOrder
from app.stock import services
from app.stock.models import Movement, PartRequest, StockItem


def ask(work_order: WorkOrder, item: StockItem | None, quantity: Decimal, *, note: str = "",
        by) -> PartRequest:
    if work_order.status in ENDED or work_order.status == "requested":
        raise DomainError(_l("Parts are asked for on open work orders."), field="item")
    if item is None:
        raise DomainError(_l("No item has this code."), field="item")
    if not item.active:
        raise DomainError(_("Item %(sku)s is archived.", sku=item.sku), field="item")
    services.check_quantity(quantity)
    request = PartRequest(work_order_id=work_order.id, site_id=work_order.site_id,
                          item_id=item.id, quantity=quantity, note=note.strip(),
                          requested_by_id=getattr(by, "id", None))
    db.session.add(request)
    db.session.flush()
    audit.record(by, "create", request, summary=f"{work_order.reference}: {item.sku} "
                 f"x {services.quantity_text(quantity)}", site_id=work_order.site_id)
    return request


def cancel(request: PartRequest, *, by) -> None:
    if request.status != "open":
        raise DomainError(_l("Only a request still waiting can be cancelled."))
    request.status = "cancelled"
    audit.record(by, "update", request, summary=f"{request.work_order.reference}: "
                 f"{request.item.sku}", after={"status": "cancelled"},
                 site_id=request.site_id)


def issue_for(request: PartRequest, bin_, quantity: Decimal, *, note: str = "",
              by) -> Movement:
    """Issue against a request: to its work order; the request is done once all of it is."""
    if request.status != "open":
        raise DomainError(_l("This request is no longer waiting."), field="item")
    if bin_.store.site_id != request.site_id:
        raise DomainError(_l("This work order is at another site."), field="bin")
    movement = services.issue(request.item, bin_, quantity, work_order=request.work_order,
                              note=note, by=by, request_id=request.id)
    request.issued += quantity
    if request.issued >= request.quantity:
        request.status = "issued"
    return movement


def issue_line(*, request: PartRequest | None = None, **details) -> Movement:
    """The issue screen's line: against a part request when it names one."""
    if request is not None:
        return issue_for(request, details["bin_"], details["quantity"], note=details["note"],
                         by=details["by"])
    return services.issue(**details)


@dataclass
class PartUsed:
    item: StockItem
    quantity: Decimal  # issued less returned
    cost: Decimal


@dataclass
class WorkCost:
    labour_hours: float
    hourly_rate: Decimal | None  # of the skill it needs; None: no rate known
    parts: Decimal

    @property
    def labour(self) -> Decimal | None:
        if self.hourly_rate is None:
            return None if self.labour_hours else Decimal("0")
        return (Decimal(str(self.labour_hours)) * self.hourly_rate).quantize(Decimal("0.01"))

    @property
    def total(self) -> Decimal | None:
        return None if self.labour is None else self.labour + self.parts


def requests_of(work_order: WorkOrder):
    return (select(PartRequest).where(PartRequest.work_order_id == work_order.id)
            .order_by(PartRequest.id))


def parts_used(work_order: WorkOrder) -> list[PartUsed]:
    """Issued to the work order less returned from it, per item, at the cost of each
    movement (the item's when it moved)."""
    rows = db.session.execute(
        select(StockItem, -func.sum(Movement.quantity),
               -func.sum(Movement.quantity * Movement.unit_cost))
        .join(StockItem, StockItem.id == Movement.item_id)
        .where(Movement.work_order_id == work_order.id)
        .group_by(StockItem.id).order_by(StockItem.sku)).all()
    return [PartUsed(item, Decimal(str(quantity or 0)),
                     Decimal(str(cost or 0)).quantize(Decimal("0.01")))
            for item, quantity, cost in rows if quantity]


def cost_of(work_order: WorkOrder, parts: list[PartUsed]) -> WorkCost:
    """Labour hours (timers stopped, hours typed) at the rate of the skill the work needs,
    and the parts: one query."""
    rate = select(MaintenanceCode.hourly_rate).where(
        MaintenanceCode.id == work_order.skill_id).scalar_subquery()
    minutes, hourly_rate = db.session.execute(select(
        select(func.coalesce(func.sum(LabourEntry.minutes), 0)).where(
            LabourEntry.work_order_id == work_order.id).scalar_subquery(), rate)).one()
    return WorkCost(labour_hours=(minutes or 0) / 60, hourly_rate=hourly_rate,
                    parts=sum((part.cost for part in parts), Decimal("0")))
