"""Forms of stock. A movement form takes its store: it finds the bins and items scanned
into it, says plainly when a code finds nothing, and hands the service records."""

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as WtfForm
from wtforms.validators import NumberRange, Optional, Regexp, StopValidation, ValidationError

from app.auth.models import User
from app.auth.queries import users_of_site
from app.core.fields import finite, length, optional_record_id, record_id, required
from app.core.forms import Form, IdempotentForm
from app.extensions import db
from app.maintenance.models import WorkOrder
from app.stock import queries
from app.stock.models import ADJUST_REASON_LABELS, ADJUST_REASONS, StockItem
from app.stock.services import ItemFields, quantity_text

CODE_RULE = Regexp(r"^[A-Za-z0-9._/-]+$",
                   message=_l("Use letters, digits, dots, dashes, slashes and underscores."))
QUANTITY_RANGE = NumberRange(Decimal("0.001"), Decimal("999999"),
                             message=_l("Enter a quantity above 0, up to 999,999."))
NUMBER = {"inputmode": "decimal", "autocomplete": "off"}
SCAN = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
        "enterkeyhint": "next"}


def _quantity(label, **kwargs):
    return DecimalField(label, places=None, validators=[
        required_number(), finite, QUANTITY_RANGE], render_kw=NUMBER, **kwargs)


def required_number():
    """A DecimalField's own message for "abc" is English: this one is translated."""
    def check(_form, field):
        if field.data is None:
            field.errors[:] = []
            raise StopValidation(_l("Enter a number."))
    return check


def _amount(label, description=None):
    return DecimalField(label, places=None, description=description, validators=[
        Optional(), finite, NumberRange(0, 9_999_999, message=_l("Enter a number of 0 or "
                                                                 "more."))],
        render_kw=NUMBER)


class ItemForm(IdempotentForm):
    sku = StringField(_l("SKU"), validators=[required(), length(40), CODE_RULE],
                      description=_l("The item's own code, e.g. BRG-6204."),
                      render_kw={"autocapitalize": "characters"})
    name = StringField(_l("Name"), validators=[required(), length(150)])
    name_zh = StringField(_l("Chinese name"), validators=[length(150)])
    category = StringField(_l("Category"), validators=[length(60)],
                           render_kw={"list": "stock-categories"})
    unit = StringField(_l("Unit of measure"), default="pcs", validators=[required(),
                                                                          length(20)],
                       description=_l("pcs, m, L, kg, box ..."))
    unit_cost = _amount(_l("Unit cost"))
    reorder_point = _amount(_l("Reorder point"),
                            _l("Reorder when what is on hand falls to this."))
    reorder_quantity = _amount(_l("Reorder quantity"))
    barcodes = TextAreaField(_l("Barcodes"), validators=[length(2000)],
                             description=_l("One per line: each finds this item when scanned."),
                             render_kw={"rows": 2})
    active = BooleanField(_l("In use"), default=True)
    notes = TextAreaField(_l("Notes"), validators=[length(4000)], render_kw={"rows": 3})

    def fields(self) -> ItemFields:
        return ItemFields(
            sku=self.sku.data or "", name=self.name.data or "", name_zh=self.name_zh.data or "",
            category=self.category.data or "", unit=self.unit.data or "",
            unit_cost=self.unit_cost.data or Decimal("0"),
            reorder_point=self.reorder_point.data, reorder_quantity=self.reorder_quantity.data,
            active=bool(self.active.data), notes=self.notes.data or "",
            barcodes=tuple((self.barcodes.data or "").splitlines()))

    def fill_from(self, item) -> None:
        for name in ("sku", "name", "name_zh", "category", "unit", "unit_cost",
                     "reorder_point", "reorder_quantity", "active", "notes"):
            getattr(self, name).data = getattr(item, name)
        self.barcodes.data = "\n".join(barcode.code for barcode in item.barcodes)


class ItemEditForm(ItemForm):
    idempotency_key = None


class ItemPhotoForm(IdempotentForm):
    photo = FileField(_l("Photo"), validators=[required()], render_kw={"accept": "image/*"})


class StoreForm(IdempotentForm):
    code = StringField(_l("Store code"), validators=[required(), length(20), CODE_RULE],
                       render_kw={"autocapitalize": "characters"})
    name = StringField(_l("Name"), validators=[required(), length(100)])
    allows_negative = BooleanField(_l("Allow stock below zero"), description=_l(
        "Parts may be issued before their receipt is booked; on hand shows below zero."))


class StoreEditForm(StoreForm):
    idempotency_key = None
    code = None  # a store keeps its code: its bins' labels and its movements name it
    active = BooleanField(_l("In use (clear to archive)"))


class BinForm(IdempotentForm):
    codes = TextAreaField(_l("Bin codes"), validators=[required(), length(4000)],
                          description=_l("One per line, e.g. A-01-1; several make a row."),
                          render_kw={"rows": 2, "autocapitalize": "characters"})
    name = StringField(_l("Description"), validators=[length(100)])

    def validate_codes(self, field):
        for code in (field.data or "").splitlines():
            if code.strip() and not (len(code.strip()) <= 40 and CODE_RULE.regex.match(
                    code.strip())):
                raise ValidationError(_("%(code)s: use up to 40 letters, digits, dots, "
                                         "dashes, slashes and underscores.", code=code.strip()))


# --- moving stock --------------------------------------------------------------------------------

class MoveForm(IdempotentForm):
    """What every movement screen asks: the bin, the item (both scanned or typed), how many."""

    bin = StringField(_l("Bin"), validators=[required(), length(40)], render_kw=SCAN)
    item = StringField(_l("Item"), validators=[required(), length(64)],
                       description=_l("Scan its barcode or type its SKU."), render_kw=SCAN)
    quantity = _quantity(_l("Quantity"), default=Decimal("1"))
    note = StringField(_l("Note"), validators=[length(300)])

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.bin_record = self.item_record = None

    def validate_bin(self, field):
        self.bin_record = self._bin(field)

    def _bin(self, field):
        found = queries.bin_by_code(self.store, field.data)
        if found is None:
            raise ValidationError(_("No bin %(code)s in this store.",
                                     code=(field.data or "").strip().upper()))
        return found

    def validate_item(self, field):
        self.item_record = queries.item_by_code(field.data)
        if self.item_record is None:
            raise ValidationError(_("No item has the code %(code)s.",
                                     code=(field.data or "").strip()))

    @property
    def unknown_code(self) -> str:
        """The scanned code that found no item: the screen offers to attach it to one."""
        return (self.item.data or "").strip() if self.item.errors and \
            self.item_record is None and self.item.data else ""

    def records(self) -> dict:
        return {"item": self.item_record, "bin_": self.bin_record,
                "note": self.note.data or ""}


class ReceiveForm(MoveForm):
    purchase = HiddenField()  # the purchase request it is received against, if any
    supplier = StringField(_l("Supplier"), validators=[length(100)])
    reference = StringField(_l("Delivery note or order no."), validators=[length(100)])
    unit_cost = _amount(_l("Unit cost"), _l("Leave empty to keep the item's cost."))

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, store=store, **kwargs)
        self.purchase_record = None

    def validate_purchase(self, field):
        if field.data:
            self.purchase_record = queries.approved_purchase(field.data, self.store.id)
            if self.purchase_record is None:
                raise ValidationError(_l("This purchase request is not open for receipts."))

    def details(self) -> dict:
        if self.purchase_record is not None:
            return {**self.records(), "purchase": self.purchase_record,
                    "quantity": self.quantity.data, "supplier": self.supplier.data or "",
                    "unit_cost": self.unit_cost.data}
        return {**self.records(), "quantity": self.quantity.data,
                "supplier": self.supplier.data or "", "reference": self.reference.data or "",
                "unit_cost": self.unit_cost.data}


class IssueForm(MoveForm):
    request = HiddenField()  # the part request it is issued for, if any
    work_order = StringField(_l("Work order"), validators=[length(20)],
                             description=_l("Its number, e.g. WO-2026-000123."),
                             render_kw={"autocapitalize": "characters"})
    person = SelectField(_l("Issued to"), coerce=optional_record_id, validate_choice=False)
    cost_centre = StringField(_l("Cost centre"), validators=[length(40)])

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, store=store, **kwargs)
        self.work_order_record = self.request_record = None
        self.person.choices = [("", _l("Nobody")), *(
            (person.id, person.name or person.username)
            for person in db.session.scalars(users_of_site(store.site_id)))]

    def validate_work_order(self, field):
        reference = (field.data or "").strip().upper()
        if reference:
            self.work_order_record = db.session.scalar(
                db.select(WorkOrder).where(WorkOrder.reference == reference,
                                           WorkOrder.site_id == self.store.site_id))
            if self.work_order_record is None:
                raise ValidationError(_("No work order %(reference)s at this site.",
                                         reference=reference))

    def validate_request(self, field):
        if field.data:
            self.request_record = queries.open_request(field.data, self.store.site_id)
            if self.request_record is None:
                raise ValidationError(_l("This request is no longer waiting."))

    def validate_person(self, field):
        if field.data is not None and field.data not in {value for value, _label in
                                                         self.person.choices if value}:
            raise ValidationError(_l("Choose from the list."))

    def fill_from_request(self, request) -> None:
        self.request.data = str(request.id)
        self.item.data = request.item.sku
        self.quantity.data = Decimal(quantity_text(request.outstanding))  # 3, not 3.000
        self.work_order.data = request.work_order.reference

    def details(self) -> dict:
        if self.request_record is not None:  # to the request's work order, and marked on it
            return {"request": self.request_record, "bin_": self.bin_record,
                    "quantity": self.quantity.data, "note": self.note.data or ""}
        person = db.session.get(User, self.person.data) if self.person.data else None
        return {**self.records(), "quantity": self.quantity.data,
                "work_order": self.work_order_record, "person": person,
                "cost_centre": self.cost_centre.data or ""}


class ReturnForm(MoveForm):
    work_order = IssueForm.work_order
    validate_work_order = IssueForm.validate_work_order

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, store=store, **kwargs)
        self.work_order_record = None

    def details(self) -> dict:
        return {**self.records(), "quantity": self.quantity.data,
                "work_order": self.work_order_record}


class TransferForm(MoveForm):
    to_store = SelectField(_l("To store"), coerce=optional_record_id, validate_choice=False)
    to_bin = StringField(_l("To bin"), validators=[required(), length(40)], render_kw=SCAN)

    def __init__(self, *args, store, user, **kwargs):
        super().__init__(*args, store=store, **kwargs)
        self.stores = {other.id: other for other in db.session.scalars(
            queries.store_list(user))}
        self.to_store.choices = [(other.id, f"{other.code} {other.name}")
                                 for other in self.stores.values()]
        if self.to_store.data is None:
            self.to_store.data = store.id
        self.to_bin_record = None

    def validate_to_store(self, field):
        if field.data not in self.stores:
            raise ValidationError(_l("Choose from the list."))

    def validate_to_bin(self, field):
        target = self.stores.get(self.to_store.data)
        if target is None:
            return
        self.to_bin_record = queries.bin_by_code(target, field.data)
        if self.to_bin_record is None:
            raise ValidationError(_("No bin %(code)s in store %(store)s.",
                                     code=(field.data or "").strip().upper(),
                                     store=target.code))

    def details(self) -> dict:
        return {"item": self.item_record, "from_bin": self.bin_record,
                "to_bin": self.to_bin_record, "quantity": self.quantity.data,
                "note": self.note.data or ""}


class AdjustForm(MoveForm):
    quantity = None
    change = DecimalField(_l("Change"), places=None, validators=[
        required_number(), finite, NumberRange(Decimal("-999999"), Decimal("999999"),
                                               message=_l("Enter a change other than 0, up "
                                                          "to 999,999 either way."))],
        description=_l("+ adds to what is on hand, - takes away, e.g. -2."),
        render_kw={"inputmode": "text", "autocomplete": "off"})
    reason = SelectField(_l("Reason"), choices=[("", _l("Choose a reason"))] + [
        (reason, ADJUST_REASON_LABELS[reason]) for reason in ADJUST_REASONS],
        validators=[required()])

    def validate_change(self, field):
        if field.data == 0:
            raise ValidationError(_l("Enter a change other than 0, up to 999,999 either way."))

    def details(self) -> dict:
        return {**self.records(), "change": self.change.data, "reason": self.reason.data}


class PartRequestForm(IdempotentForm):
    """Parts a technician asks for on a work order."""

    item = StringField(_l("Part"), validators=[required(), length(64)],
                       description=_l("Its SKU or barcode (scan it), e.g. BRG-6204."),
                       render_kw=SCAN)
    quantity = _quantity(_l("Quantity"), default=Decimal("1"))
    note = StringField(_l("Note"), validators=[length(300)])

    def validate_item(self, field):
        self.item_record = queries.item_by_code(field.data)
        if self.item_record is None:
            raise ValidationError(_("No item has the code %(code)s.",
                                     code=(field.data or "").strip()))


class AttachCodeForm(Form):
    code = StringField(_l("Code"), validators=[required(), length(64)], render_kw=SCAN)
    sku = StringField(_l("Item SKU"), validators=[required(), length(40)],
                      render_kw={"autocapitalize": "characters"})

    def validate_sku(self, field):
        self.item_record = queries.item_by_code(field.data)
        if self.item_record is None:
            raise ValidationError(_("No item has the code %(code)s.",
                                     code=(field.data or "").strip()))


# --- buying --------------------------------------------------------------------------------------

class PurchaseLineForm(WtfForm):
    """One item of the reorder list: ticked, and how many to buy (the suggestion first)."""

    item_id = HiddenField()
    pick = BooleanField(_l("Buy"), default=True)
    quantity = DecimalField(_l("Quantity"), places=None, validators=[
        Optional(), finite, QUANTITY_RANGE], render_kw=NUMBER)


class PurchaseRequestForm(IdempotentForm):
    lines = FieldList(FormField(PurchaseLineForm), max_entries=200)
    extra_item = StringField(_l("Another item (SKU or barcode)"), validators=[length(64)],
                             render_kw=SCAN)
    extra_quantity = DecimalField(_l("How many"), places=None, validators=[
        Optional(), finite, QUANTITY_RANGE], render_kw=NUMBER)
    reason = TextAreaField(_l("Why it is needed"), validators=[required(), length(2000)],
                           render_kw={"rows": 2})

    def __init__(self, *args, low=(), **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            for entry in low:
                self.lines.append_entry({"item_id": str(entry.item.id), "pick": True,
                                         "quantity": entry.suggested})
        self.extra_record = None

    def validate_extra_item(self, field):
        if field.data and field.data.strip():
            self.extra_record = queries.item_by_code(field.data)
            if self.extra_record is None:
                raise ValidationError(_("No item has the code %(code)s.",
                                        code=field.data.strip()))
            if self.extra_quantity.data is None:
                self.extra_quantity.errors.append(_l("Enter a quantity above 0, up to "
                                                     "999,999."))

    def chosen(self) -> list[tuple]:
        """(item, quantity) of the ticked lines and the extra item."""
        items = {item.id: item for item in db.session.scalars(db.select(StockItem).where(
            StockItem.id.in_([_int(line.item_id.data) for line in self.lines])))}
        chosen = [(items[_int(line.item_id.data)], line.quantity.data) for line in self.lines
                  if line.pick.data and _int(line.item_id.data) in items]
        if self.extra_record is not None:
            chosen.append((self.extra_record, self.extra_quantity.data))
        return chosen


def _int(value) -> int:
    try:
        return record_id(value)
    except (TypeError, ValueError):
        return 0


class DecisionForm(Form):
    note = StringField(_l("Note"), validators=[length(300)],
                       description=_l("Needed when it is rejected."))


class ItemImportForm(Form):
    """A CSV file of items; after a good check, the same text again to import it."""

    file = FileField(_l("CSV file"), render_kw={"accept": ".csv,text/csv"})
    csv_text = HiddenField()
