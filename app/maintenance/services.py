"""Changes to the asset register. Plain functions: no request, no flash, no commit."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import attachments, audit
from app.core.domain import DomainError
from app.core.models import utcnow
from app.extensions import db
from app.maintenance import preventive
from app.maintenance.models import (
    ASSET_STATUSES,
    CODE_KINDS,
    CRITICALITIES,
    Asset,
    MaintenanceCode,
    Meter,
    MeterReading,
)
from app.sites.models import Location, Site

MAX_DEPTH = 20  # a line, a machine, a component: a deeper hierarchy is a mistake
MAX_READING = Decimal("99999999999.999")  # what Numeric(14, 3) holds


@dataclass
class AssetFields:
    """What a person sets on an asset (forms.AssetForm.fields(), or a row of an import)."""

    code: str
    name: str
    barcode: str = ""
    category_id: int | None = None
    make: str = ""
    model: str = ""
    serial_number: str = ""
    location_id: int | None = None
    parent_code: str = ""
    status: str = "in_service"
    criticality: str = "B"
    purchase_date: date | None = None
    purchase_cost: Decimal | None = None
    warranty_ends_on: date | None = None
    notes: str = ""


AUDITED = ("code", "barcode", "name", "category_id", "make", "model", "serial_number",
           "location_id", "parent_id", "status", "criticality", "purchase_date",
           "purchase_cost", "warranty_ends_on", "notes")


def create_asset(site: Site, values: AssetFields, *, by) -> Asset:
    asset = Asset(site_id=site.id, created_by_id=getattr(by, "id", None))
    _apply(asset, site, values)
    db.session.add(asset)
    db.session.flush()
    audit.record(by, "create", asset, summary=f"{asset.code} {asset.name}",
                 after=audit.snapshot(asset, AUDITED))
    return asset


def update_asset(asset: Asset, values: AssetFields, *, by) -> None:
    before = audit.snapshot(asset, AUDITED)
    _apply(asset, asset.site, values)
    old, new = audit.changes(before, audit.snapshot(asset, AUDITED))
    if new:
        audit.record(by, "update", asset, summary=f"{asset.code} {asset.name}", before=old,
                     after=new)


def _apply(asset: Asset, site: Site, values: AssetFields) -> None:
    """Check every field against the register, then set them all (nothing half set)."""
    code = values.code.strip().upper()
    barcode = values.barcode.strip() or None
    _check_unique(Asset.code, code, asset.id, _l("Another asset already has this code."),
                  "code", upper=True)
    if barcode:
        _check_unique(Asset.barcode, barcode, asset.id,
                      _l("Another asset already has this barcode."), "barcode")
    location = _location_of(site, values.location_id)
    parent = _parent_of(asset, site, values.parent_code)
    category = _code_of("category", values.category_id, "category")
    if values.status not in ASSET_STATUSES:
        raise DomainError(_l("Choose a status from the list."), field="status")
    if values.criticality not in CRITICALITIES:
        raise DomainError(_l("Choose a criticality from the list."), field="criticality")
    if values.purchase_cost is not None and (not values.purchase_cost.is_finite() or
                                             not 0 <= values.purchase_cost < 10**10):
        raise DomainError(_l("Enter a cost of 0 or more."), field="purchase_cost")
    asset.code, asset.barcode, asset.name = code, barcode, values.name.strip()
    asset.category_id = category.id if category else None
    asset.make, asset.model = values.make.strip(), values.model.strip()
    asset.serial_number = values.serial_number.strip()
    asset.location_id, asset.location = (location.id if location else None), location
    asset.parent_id, asset.parent = (parent.id if parent else None), parent
    asset.status, asset.criticality = values.status, values.criticality
    asset.purchase_date, asset.purchase_cost = values.purchase_date, values.purchase_cost
    asset.warranty_ends_on, asset.notes = values.warranty_ends_on, values.notes.strip()


def _check_unique(column, value: str, own_id: int | None, message, field: str,
                  upper: bool = False) -> None:
    compared = func.upper(column) if upper else column
    statement = select(Asset.id).where(compared == value)
    if own_id:
        statement = statement.where(Asset.id != own_id)
    if db.session.scalar(statement.limit(1)) is not None:
        raise DomainError(message, field=field)


def _location_of(site: Site, location_id: int | None) -> Location | None:
    if not location_id:
        return None
    location = db.session.get(Location, location_id)
    if location is None or location.site_id != site.id:
        raise DomainError(_l("Choose a location of this site."), field="location")
    return location


def _parent_of(asset: Asset, site: Site, parent_code: str) -> Asset | None:
    """The asset this one is part of, by its code: at the same site, and never the asset
    itself or one of its own parts (a hierarchy has no cycles)."""
    code = (parent_code or "").strip().upper()
    if not code:
        return None
    parent = db.session.scalar(select(Asset).where(Asset.code == code))
    if parent is None or parent.site_id != site.id:
        raise DomainError(_l("No asset of this site has this code."), field="parent_code")
    current, depth = parent, 0
    while current is not None:
        if asset.id is not None and current.id == asset.id:
            raise DomainError(_l("An asset cannot be part of itself or of one of its parts."),
                              field="parent_code")
        current, depth = current.parent, depth + 1
        if depth > MAX_DEPTH:
            raise DomainError(_l("This hierarchy is too deep."), field="parent_code")
    return parent


def _code_of(kind: str, code_id: int | None, field: str) -> MaintenanceCode | None:
    if not code_id:
        return None
    code = db.session.get(MaintenanceCode, code_id)
    if code is None or code.kind != kind or not code.active:
        raise DomainError(_l("Choose from the list."), field=field)
    return code


def add_asset_file(asset: Asset, file_storage, *, by):
    """A photo, a manual or a procedure (PDF); raises UploadError for anything else."""
    attachment = attachments.save_file(file_storage, entity_type="asset", entity_id=asset.id,
                                       site_id=asset.site_id, by=by)
    audit.record(by, "add_file", asset, summary=f"{asset.code} {attachment.original_name}")
    return attachment


# --- meters --------------------------------------------------------------------------------------

def add_meter(asset: Asset, *, name: str, unit: str, counting: bool, by) -> Meter:
    name = name.strip()
    taken = db.session.scalar(select(Meter.id).where(
        Meter.asset_id == asset.id, func.lower(Meter.name) == name.lower()).limit(1))
    if taken is not None:
        raise DomainError(_l("This asset already has a meter with this name."), field="name")
    meter = Meter(asset_id=asset.id, name=name, unit=unit.strip(), counting=counting)
    db.session.add(meter)
    db.session.flush()
    audit.record(by, "add_meter", asset, summary=f"{asset.code}: {name} ({meter.unit})")
    return meter


def record_reading(meter: Meter, value: Decimal, *, is_reset: bool = False, note: str = "",
                   by) -> MeterReading:
    """A reading as it was taken now. A counting meter never goes back, unless the reading is
    marked as a reset (a replaced counter, a rolled-over odometer)."""
    if value is None or not value.is_finite():
        raise DomainError(_l("Enter a number."), field="value")
    if abs(value) > MAX_READING:
        raise DomainError(_l("This number is too large for a meter."), field="value")
    if meter.counting and value < 0:
        raise DomainError(_l("A counting meter does not go below zero."), field="value")
    last = meter.last_value
    if meter.counting and last is not None and value < last and not is_reset:
        # gettext, not a lazy string: the message holds the meter's unit, typed by a person
        raise DomainError(_("Lower than the last reading (%(last)s %(unit)s). If the meter "
                            "was reset or replaced, mark the reading as a reset.",
                            last=number_text(last), unit=meter.unit), field="value")
    now = utcnow()
    reading = MeterReading(meter_id=meter.id, value=value, read_at=now, is_reset=is_reset,
                           note=(note or "").strip(), read_by_id=getattr(by, "id", None))
    db.session.add(reading)
    meter.last_value, meter.last_read_at = value, now
    db.session.flush()
    preventive.reading_recorded(meter, value, previous=last, is_reset=is_reset)
    return reading


# --- the lists admins edit -----------------------------------------------------------------------

def add_code(kind: str, *, name: str, name_zh: str = "", by) -> MaintenanceCode:
    if kind not in CODE_KINDS:
        raise DomainError(_l("Choose from the list."))
    name = name.strip()
    _check_code_name(kind, name)
    position = (db.session.scalar(select(func.max(MaintenanceCode.position)).where(
        MaintenanceCode.kind == kind)) or 0) + 10
    code = MaintenanceCode(kind=kind, name=name, name_zh=(name_zh or "").strip(),
                           position=position)
    db.session.add(code)
    db.session.flush()
    audit.record(by, "create", code, summary=name)
    return code


def update_code(code: MaintenanceCode, *, name: str, name_zh: str, active: bool,
                hourly_rate: Decimal | None = None, by) -> None:
    """An entry renamed or archived; a skill's hourly rate (the others have none)."""
    name = name.strip()
    _check_code_name(code.kind, name, exclude_id=code.id)
    audited = ("name", "name_zh", "active", "hourly_rate")
    before = audit.snapshot(code, audited)
    code.name, code.name_zh, code.active = name, (name_zh or "").strip(), active
    code.hourly_rate = hourly_rate if code.kind == "skill" else None
    old, new = audit.changes(before, audit.snapshot(code, audited))
    if new:
        audit.record(by, "update", code, summary=name, before=old, after=new)


def _check_code_name(kind: str, name: str, exclude_id: int | None = None) -> None:
    statement = select(MaintenanceCode.id).where(MaintenanceCode.kind == kind,
                                                 func.lower(MaintenanceCode.name) ==
                                                 name.lower())
    if exclude_id:
        statement = statement.where(MaintenanceCode.id != exclude_id)
    if db.session.scalar(statement.limit(1)) is not None:
        raise DomainError(_l("This list already has an entry with this name."), field="name")


def number_text(value: Decimal) -> str:
    """A reading as people write it: 1250.5, not 1250.500 or 1.2505E+3."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
