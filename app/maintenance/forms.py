"""Forms of the asset register. Each takes what fills its menus (the site, the asset)."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp

from app.core.fields import (
    MultiCheckboxField,
    finite,
    length,
    optional_record_id,
    plausible_date,
    required,
)
from app.core.forms import Form, IdempotentForm
from app.extensions import db
from app.maintenance import queries
from app.maintenance.models import (
    ASSET_STATUS_LABELS,
    ASSET_STATUSES,
    CALENDAR_UNIT_LABELS,
    CALENDAR_UNITS,
    CRITICALITIES,
    CRITICALITY_LABELS,
    HOLD_REASON_LABELS,
    HOLD_REASONS,
    PRIORITIES,
    PRIORITY_LABELS,
    WORK_TYPE_LABELS,
    WORK_TYPES,
)
from app.maintenance.preventive import PlanFields
from app.maintenance.services import AssetFields
from app.sites import queries as site_queries

CODE_RULE = Regexp(r"^[A-Za-z0-9._/-]+$",
                   message=_l("Use letters, digits, dots, dashes, slashes and underscores."))


class AssetForm(IdempotentForm):
    code = StringField(_l("Asset code"), validators=[required(), length(40), CODE_RULE],
                       description=_l("Unique, printed on its QR label, e.g. PUMP-01."),
                       render_kw={"autocapitalize": "characters"})
    name = StringField(_l("Name"), validators=[required(), length(150)])
    category = SelectField(_l("Category"), coerce=optional_record_id, validate_choice=False)
    location = SelectField(_l("Location"), coerce=optional_record_id, validate_choice=False)
    parent_code = StringField(_l("Part of (asset code)"), validators=[length(40)],
                              description=_l("The line or machine this is a part of, if any."),
                              render_kw={"autocapitalize": "characters"})
    status = SelectField(_l("Status"), default="in_service",
                         choices=[(s, ASSET_STATUS_LABELS[s]) for s in ASSET_STATUSES])
    criticality = SelectField(_l("Criticality"), default="B",
                              choices=[(c, CRITICALITY_LABELS[c]) for c in CRITICALITIES])
    make = StringField(_l("Make"), validators=[length(80)])
    model = StringField(_l("Model"), validators=[length(80)])
    serial_number = StringField(_l("Serial number"), validators=[length(80)])
    barcode = StringField(_l("Barcode"), validators=[length(64)],
                          description=_l("The code on the maker's label, if it has one: "
                                         "scanning it finds this asset."))
    purchase_date = DateField(_l("Purchase date"), validators=[Optional(), plausible_date])
    purchase_cost = DecimalField(_l("Purchase cost"), places=2, validators=[
        Optional(), finite, NumberRange(0, 9_999_999_999, message=_l("Enter a cost of 0 or "
                                                                     "more."))],
        render_kw={"inputmode": "decimal"})
    warranty_ends_on = DateField(_l("Warranty ends on"), validators=[Optional(),
                                                                      plausible_date])
    notes = TextAreaField(_l("Notes"), validators=[length(4000)], render_kw={"rows": 3})

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("No category")),
                                 *queries.code_options("category")]
        self.location.choices = [("", _l("No location")), *(
            (location.id, f"{location.area.name} · {location.code} {location.name}")
            for location in db.session.scalars(site_queries.active_locations(site)))]

    def fields(self) -> AssetFields:
        return AssetFields(
            code=self.code.data or "", name=self.name.data or "",
            barcode=self.barcode.data or "", category_id=self.category.data,
            make=self.make.data or "", model=self.model.data or "",
            serial_number=self.serial_number.data or "", location_id=self.location.data,
            parent_code=self.parent_code.data or "", status=self.status.data,
            criticality=self.criticality.data, purchase_date=self.purchase_date.data,
            purchase_cost=self.purchase_cost.data, warranty_ends_on=self.warranty_ends_on.data,
            notes=self.notes.data or "")

    def fill_from(self, asset) -> None:
        for name in ("code", "name", "make", "model", "serial_number", "status",
                     "criticality", "purchase_date", "purchase_cost", "warranty_ends_on",
                     "notes"):
            getattr(self, name).data = getattr(asset, name)
        self.barcode.data = asset.barcode or ""
        self.category.data, self.location.data = asset.category_id, asset.location_id
        self.parent_code.data = asset.parent.code if asset.parent else ""


class AssetEditForm(AssetForm):
    idempotency_key = None


class AssetFileForm(IdempotentForm):
    file = FileField(_l("Photo or document (PDF)"), validators=[required()],
                     render_kw={"accept": "application/pdf,image/*"})


class MeterForm(IdempotentForm):
    name = StringField(_l("Meter name"), validators=[required(), length(60)],
                       description=_l("e.g. Run hours, Odometer, Cycles."))
    unit = StringField(_l("Unit"), validators=[required(), length(20)],
                       description=_l("e.g. h, km, cycles."))
    counting = BooleanField(_l("Counts up (a reading never goes lower, unless reset)"),
                            default=True)


class ReadingForm(IdempotentForm):
    # InputRequired: 0 is a reading (DataRequired would refuse it)
    value = DecimalField(_l("Reading"), validators=[
        InputRequired(message=_l("This field is required.")), finite],
                         render_kw={"inputmode": "decimal"})
    is_reset = BooleanField(_l("The meter was reset or replaced"))
    note = StringField(_l("Note"), validators=[length(300)])


class CodeForm(IdempotentForm):
    name = StringField(_l("Name"), validators=[required(), length(100)])
    name_zh = StringField(_l("Name in Chinese"), validators=[length(100)])


class CodeEditForm(CodeForm):
    idempotency_key = None
    active = BooleanField(_l("In use (clear to archive)"))
    hourly_rate = DecimalField(_l("Cost of an hour"), places=2, validators=[
        Optional(), finite, NumberRange(0, 99_999_999, message=_l("Enter a cost of 0 or "
                                                                  "more."))],
        description=_l("A work order's labour costs its hours at the rate of the skill it "
                       "needs."), render_kw={"inputmode": "decimal"})


# --- work orders ---------------------------------------------------------------------------------

class FaultForm(IdempotentForm):
    """A fault report: one short form, for anyone at the asset."""

    description = TextAreaField(_l("What is wrong?"), validators=[required(), length(4000)],
                                render_kw={"rows": 3})
    asset_down = BooleanField(_l("The asset is down (it cannot be used)"))
    photos = MultipleFileField(_l("Photos (optional)"),
                               render_kw={"accept": "image/*", "multiple": True})


class PlanForm(Form):
    """Approving a request, or planning open work again: type, priority, who, by when."""

    # required: a plan names its type and priority (a form always sends them)
    kind = SelectField(_l("Type"), default="corrective", validators=[
        InputRequired(message=_l("This field is required."))],
        choices=[(k, WORK_TYPE_LABELS[k]) for k in WORK_TYPES])
    priority = SelectField(_l("Priority"), coerce=int, default=3, validators=[
        InputRequired(message=_l("This field is required."))],
        choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES])
    assignees = MultiCheckboxField(_l("Assign to"), coerce=int)
    skill = SelectField(_l("Skill needed"), coerce=optional_record_id, validate_choice=False)
    due_on = DateField(_l("Due on"), validators=[Optional(), plausible_date])

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignees.choices = [(person.id, person.name) for person in people]
        self.skill.choices = [("", _l("Any")), *queries.code_options("skill")]

    def plan(self) -> dict:
        return {"kind": self.kind.data, "priority": self.priority.data,
                "assignee_ids": self.assignees.data or [], "due_on": self.due_on.data,
                "skill_id": self.skill.data}

    def fill_from(self, work_order) -> None:
        self.kind.data, self.priority.data = work_order.kind, work_order.priority
        self.assignees.data = [person.id for person in work_order.assignees]
        self.skill.data, self.due_on.data = work_order.skill_id, work_order.due_on


class MoveForm(Form):
    """A move of the work: the reason (rejected, cancelled, on hold), what was done (done)."""

    failure = SelectField(_l("Failure"), coerce=optional_record_id, validate_choice=False)
    cause = SelectField(_l("Cause"), coerce=optional_record_id, validate_choice=False)
    remedy = SelectField(_l("Remedy"), coerce=optional_record_id, validate_choice=False)
    reason = StringField(_l("Reason"), validators=[length(300)])
    hold_reason = RadioField(_l("Waiting for"), choices=[
        (r, HOLD_REASON_LABELS[r]) for r in HOLD_REASONS], validate_choice=False)
    work_done = TextAreaField(_l("What was done"), validators=[length(4000)],
                              render_kw={"rows": 3})
    back_in_service = BooleanField(_l("The asset is back in service"))

    def __init__(self, *args, with_codes: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in ("failure", "cause", "remedy"):  # read only for the done form
            getattr(self, kind).choices = [("", "—"), *(queries.code_options(kind)
                                                        if with_codes else ())]

    def codes(self) -> dict:
        return {kind: getattr(self, kind).data for kind in ("failure", "cause", "remedy")}


class TaskForm(IdempotentForm):
    text = StringField(_l("New task"), validators=[required(), length(300)])


class TickForm(Form):
    done = BooleanField(_l("Done"))
    reading = DecimalField(_l("Reading (optional)"), validators=[Optional(), finite],
                           render_kw={"inputmode": "decimal"})
    note = StringField(_l("Note (optional)"), validators=[length(300)])


class TimerForm(Form):
    """Start or stop my timer: a button (and the CSRF token)."""


class HoursForm(IdempotentForm):
    hours = DecimalField(_l("Hours"), places=2, validators=[
        InputRequired(message=_l("This field is required.")), finite,
        NumberRange(0.01, 24, message=_l("Enter hours between 0 and 24."))],
        render_kw={"inputmode": "decimal", "step": "0.25"})
    worked_on = DateField(_l("Day worked"), validators=[required(), plausible_date])
    note = StringField(_l("Note (optional)"), validators=[length(300)])


class DowntimeForm(IdempotentForm):
    down_from = DateTimeLocalField(_l("Down from"), format="%Y-%m-%dT%H:%M",
                                   validators=[required()])
    down_until = DateTimeLocalField(_l("Back in service at (empty: still down)"),
                                    format="%Y-%m-%dT%H:%M", validators=[Optional()])


class WorkPhotoForm(IdempotentForm):
    stage = RadioField(_l("When"), default="after", choices=[
        ("before", _l("Before the work")), ("after", _l("After the work"))])
    photo = FileField(_l("Photo"), validators=[required()], render_kw={"accept": "image/*"})


class SkillsForm(Form):
    skills = MultiCheckboxField(_l("Skills"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skills.choices = queries.code_options("skill")


class SignOffForm(Form):
    kinds = MultiCheckboxField(_l("Closed with the verifier's signature"),
                               choices=[(k, WORK_TYPE_LABELS[k]) for k in WORK_TYPES])


class WorkCommentForm(IdempotentForm):
    text = TextAreaField(_l("Comment"), validators=[required(), length(5000)],
                         description=_l("Write @username to tell a colleague."),
                         render_kw={"rows": 2})


class ImportForm(IdempotentForm):
    """A CSV file of assets; after a good check, the same text again to import it."""

    file = FileField(_l("CSV file"), render_kw={"accept": ".csv,text/csv"})
    csv_text = HiddenField()


class IncidentFaultForm(IdempotentForm):
    """Which asset failed: those at the incident's location first, or any by its code."""

    asset = SelectField(_l("Asset"), coerce=optional_record_id, validate_choice=False)
    asset_code = StringField(_l("Or its asset code"), validators=[length(40)],
                             render_kw={"autocapitalize": "characters"})

    def __init__(self, *args, user, location_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        here = db.session.scalars(queries.assets_at(user, location_id, limit=50)).all() \
            if location_id else []
        self.asset.choices = [("", _l("Choose…")), *((a.id, f"{a.code} {a.name}")
                                                      for a in here)]


def _units(label, description=None):
    """A meter number (an interval, a limit, a lead): empty is "not used"."""
    return DecimalField(label, validators=[Optional(), finite], description=description,
                        render_kw={"inputmode": "decimal"})


class MaintenancePlanForm(IdempotentForm):
    """A preventive maintenance plan of an asset: the work, and when it is due (the calendar,
    a meter, or both: whichever comes first)."""

    title = StringField(_l("Title"), validators=[required(), length(150)],
                        description=_l("e.g. Monthly service, 500 h oil change."))
    tasks = TextAreaField(_l("Tasks (one per line)"), validators=[length(10000)],
                          render_kw={"rows": 4})
    skill = SelectField(_l("Skill needed"), coerce=optional_record_id, validate_choice=False)
    estimated_hours = DecimalField(_l("Estimated time (hours)"), places=2, validators=[
        Optional(), finite, NumberRange(0.02, 100, message=_l(
            "Enter a time between 1 minute and 100 hours."))],
        render_kw={"inputmode": "decimal", "step": "0.25"})
    kind = SelectField(_l("Work order type"), default="preventive",
                       choices=[(k, WORK_TYPE_LABELS[k]) for k in WORK_TYPES])
    priority = SelectField(_l("Priority"), coerce=int, default=3,
                           choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES])
    every = IntegerField(_l("Every"), validators=[Optional()],
                         render_kw={"inputmode": "numeric"})
    every_unit = SelectField(_l("Unit"), default="month",
                             choices=[(u, CALENDAR_UNIT_LABELS[u]) for u in CALENDAR_UNITS])
    fixed = RadioField(_l("Counted"), default="fixed", choices=[
        ("fixed", _l("Fixed: on dates from the first, whenever the work is done")),
        ("floating", _l("Floating: from the day the work was last done"))])
    starts_on = DateField(_l("First due on"), validators=[Optional(), plausible_date])
    lead_days = IntegerField(_l("Open the work order this many days before"),
                             validators=[Optional()], default=0,
                             render_kw={"inputmode": "numeric"})
    meter = SelectField(_l("Meter"), coerce=optional_record_id, validate_choice=False)
    meter_every = _units(_l("Every (meter units)"))
    meter_above = _units(_l("When a reading goes above"))
    meter_below = _units(_l("When a reading goes below"))
    lead_units = _units(_l("Open the work order this many units before"))

    def __init__(self, *args, asset, **kwargs):
        super().__init__(*args, **kwargs)
        self.skill.choices = [("", _l("Any")), *queries.code_options("skill")]
        self.meter.choices = [("", _l("No meter")), *(
            (meter.id, f"{meter.name} ({meter.unit})")
            for meter in db.session.scalars(queries.meters_of(asset)))]

    def fields(self) -> PlanFields:
        hours = self.estimated_hours.data
        return PlanFields(
            title=self.title.data, tasks=self.tasks.data or "", skill_id=self.skill.data,
            estimated_minutes=round(hours * 60) if hours is not None else None,
            kind=self.kind.data, priority=self.priority.data, every=self.every.data,
            every_unit=self.every_unit.data, fixed=self.fixed.data != "floating",
            starts_on=self.starts_on.data, lead_days=self.lead_days.data or 0,
            meter_id=self.meter.data, meter_every=self.meter_every.data,
            meter_above=self.meter_above.data, meter_below=self.meter_below.data,
            lead_units=self.lead_units.data or 0)

    def fill_from(self, plan) -> None:
        for name in ("title", "tasks", "kind", "priority", "every", "starts_on", "lead_days",
                     "meter_every", "meter_above", "meter_below"):
            getattr(self, name).data = getattr(plan, name)
        self.every_unit.data = plan.every_unit or "month"
        self.skill.data, self.meter.data = plan.skill_id, plan.meter_id
        self.fixed.data = "fixed" if plan.fixed else "floating"
        self.lead_units.data = plan.lead_units or None
        self.estimated_hours.data = (Decimal(plan.estimated_minutes) / 60
                                     if plan.estimated_minutes else None)


class PlanActionForm(Form):
    """Pausing, resuming or copying a plan: a button, its CSRF token."""
