"""Forms of stocktake: what a new count covers; a line counted (scanned or typed); lines sent
for a recount; the approval."""

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional, ValidationError

from app.auth.queries import users_of_site
from app.core.fields import MultiCheckboxField, finite, length, optional_record_id, required
from app.core.forms import Form, IdempotentForm
from app.extensions import db
from app.stock import count_queries, queries
from app.stock.counts import CountPlan
from app.stock.forms import NUMBER, SCAN, required_number
from app.stock.models import UNCOUNTED_RULES

SCOPE_LABELS = {"store": _l("The whole store"), "bins": _l("Chosen bins"),
                "categories": _l("Chosen categories"), "items": _l("Chosen items")}
UNCOUNTED_LABELS = {"leave": _l("Leave them as they are"), "zero": _l("Set them to zero")}
MAX_CHOSEN = 2000  # bins or items named in one count


def _codes(text: str) -> list[str]:
    """Codes one per line (or separated by commas or spaces), upper case, each once."""
    return list(dict.fromkeys(code.strip().upper() for code in
                              (text or "").replace(",", " ").split() if code.strip()))


class CountForm(IdempotentForm):
    scope = RadioField(_l("Count"), default="store", choices=list(SCOPE_LABELS.items()))
    bins = TextAreaField(_l("Bins"), validators=[length(20_000)], render_kw={"rows": 3},
                         description=_l("Their codes, one per line."))
    categories = MultiCheckboxField(_l("Categories"))
    items = TextAreaField(_l("Items"), validators=[length(40_000)], render_kw={"rows": 3},
                          description=_l("Their SKUs, one per line."))
    blind = BooleanField(_l("Blind count: counters do not see the quantity expected"),
                         default=True)
    bin_scan_first = BooleanField(_l("The bin's label must be scanned first"))
    tolerance_quantity = DecimalField(
        _l("Tolerance (quantity)"), places=None, default=Decimal("0"),
        description=_l("A line's variance up to this is within tolerance."),
        validators=[required_number(), finite, NumberRange(0, 999_999, message=_l(
            "Enter a number of 0 or more."))], render_kw=NUMBER)
    tolerance_value = DecimalField(
        _l("Tolerance (value)"), places=None,
        description=_l("Optional: a variance worth more than this is over tolerance."),
        validators=[Optional(), finite, NumberRange(0, 9_999_999, message=_l(
            "Enter a number of 0 or more."))], render_kw=NUMBER)
    note = StringField(_l("Note"), validators=[length(300)])

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.categories.choices = [(name, name) for name in queries.categories()]
        self.bin_ids: tuple[int, ...] = ()
        self.item_ids: tuple[int, ...] = ()

    def validate_bins(self, field):
        if self.scope.data != "bins":
            return
        codes = _codes(field.data)
        if not codes:
            raise ValidationError(_l("Name the bins to count."))
        if len(codes) > MAX_CHOSEN:
            raise ValidationError(_l("Name at most 2,000 bins."))
        found = count_queries.bin_ids_by_code(self.store, codes)
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise ValidationError(_("No bin %(codes)s in this store.",
                                    codes=", ".join(unknown[:10])))
        self.bin_ids = tuple(found[code] for code in codes)

    def validate_categories(self, field):
        if self.scope.data == "categories" and not field.data:
            raise ValidationError(_l("Choose at least one category."))

    def validate_items(self, field):
        if self.scope.data != "items":
            return
        codes = _codes(field.data)
        if not codes:
            raise ValidationError(_l("Name the items to count."))
        if len(codes) > MAX_CHOSEN:
            raise ValidationError(_l("Name at most 2,000 items."))
        found = count_queries.item_ids_by_sku(codes)
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise ValidationError(_("No item %(codes)s.", codes=", ".join(unknown[:10])))
        self.item_ids = tuple(found[code] for code in codes)

    def plan(self) -> CountPlan:
        scope = self.scope.data
        chosen = {"bins": _codes(self.bins.data), "categories": self.categories.data or [],
                  "items": _codes(self.items.data)}.get(scope, [])
        return CountPlan(scope=scope, bin_ids=self.bin_ids,
                         categories=tuple(self.categories.data or ()), item_ids=self.item_ids,
                         blind=bool(self.blind.data), bin_scan_first=bool(
                             self.bin_scan_first.data),
                         tolerance_quantity=self.tolerance_quantity.data or Decimal("0"),
                         tolerance_value=self.tolerance_value.data,
                         note=self.note.data or "", scope_text=", ".join(chosen))


class CountLineForm(IdempotentForm):
    """A line of the counting screen: the bin (scanned or chosen), the item, how many; with
    "each scan adds one", a scan is one more of it."""

    bin = StringField(_l("Bin"), validators=[required(), length(40)], render_kw=SCAN)
    item = StringField(_l("Item"), validators=[required(), length(64)],
                       description=_l("Scan its barcode or type its SKU."), render_kw=SCAN)
    quantity = DecimalField(_l("Quantity counted"), places=None, default=Decimal("1"),
                            validators=[required_number(), finite, NumberRange(
                                0, 999_999, message=_l("Enter a quantity of 0 or more, up "
                                                       "to 999,999."))], render_kw=NUMBER)
    add = BooleanField(_l("Each scan adds one"))

    def __init__(self, *args, count, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = count
        self.bin_record = self.item_record = None

    def validate_bin(self, field):
        self.bin_record = count_queries.count_bin_by_code(self.count, field.data)
        if self.bin_record is None:
            raise ValidationError(_("Bin %(code)s is not in this count.",
                                    code=(field.data or "").strip().upper()))

    def validate_item(self, field):
        self.item_record = queries.item_by_code(field.data)
        if self.item_record is None:
            raise ValidationError(_("No item has the code %(code)s.",
                                    code=(field.data or "").strip()))

    def details(self) -> dict:
        return {"bin_": self.bin_record, "item": self.item_record,
                "quantity": self.quantity.data, "add": bool(self.add.data)}


def _line_id(value) -> int:
    """coerce= of the ticked lines: a bad one is 0, which no line is (and is left out)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0


class RecountForm(IdempotentForm):
    # the review's checkboxes (its lines are thousands: no choices to check against; the
    # service takes only counted lines of this count)
    lines = SelectMultipleField(_l("Lines"), coerce=_line_id, validate_choice=False)
    recounter = SelectField(_l("Recounted by"), coerce=optional_record_id,
                            validate_choice=False, validators=[required()])

    def __init__(self, *args, count, **kwargs):
        super().__init__(*args, **kwargs)
        self.counters = {person.id: person for person in db.session.scalars(
            users_of_site(count.site_id)) if person.can("counts.count")}
        self.recounter.choices = [("", _l("Choose a person")), *(
            (person.id, person.name or person.username) for person in self.counters.values())]
        self.recounter_record = None

    def validate_lines(self, field):
        field.data = [line_id for line_id in field.data or [] if line_id]
        if not field.data:
            raise ValidationError(_l("Tick the lines to recount."))

    def validate_recounter(self, field):
        self.recounter_record = self.counters.get(field.data)
        if self.recounter_record is None:
            raise ValidationError(_l("Choose from the list."))


class ApproveCountForm(Form):
    uncounted = RadioField(_l("Lines nobody counted"), choices=[
        (rule, UNCOUNTED_LABELS[rule]) for rule in UNCOUNTED_RULES], validators=[required()])
    raise_action = BooleanField(_l("Raise a corrective action for the lines over tolerance"))
