"""Assets from a CSV file: every row checked by the same rules as the form (each created
inside a savepoint), every bad row listed, and nothing kept unless every row is good. A dry
run checks and keeps nothing either way."""

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.csv_import import Problem, Report, create_in_savepoint, import_rows
from app.extensions import db
from app.maintenance import services
from app.maintenance.models import ASSET_STATUSES, MaintenanceCode
from app.sites.models import Location, Site

COLUMNS = ("code", "name", "category", "location", "parent", "status", "criticality", "make",
           "model", "serial_number", "barcode", "purchase_date", "purchase_cost",
           "warranty_ends_on", "notes")


def import_assets(site: Site, text: str, *, dry_run: bool, by) -> Report:
    """Check every row; create the assets only when every row is good and it is no dry run."""
    lookups = _Lookups(site)
    return import_rows(text, columns=COLUMNS, required=("code", "name"), dry_run=dry_run,
                       import_row=lambda row, number, report: _import_row(
                           site, row, number, lookups, report, by=by))


def _import_row(site, row: dict, number: int, lookups, report: Report, *, by) -> None:
    values, problems = _values(row, number, lookups)
    if problems:
        report.problems.extend(problems)
        return
    create_in_savepoint(lambda: services.create_asset(site, values, by=by), number, report,
                        {"parent_code": "parent"})


class _Lookups:
    """The site's locations by code and the categories by name: read once per file."""

    def __init__(self, site: Site):
        self.locations = {code.upper(): location_id for code, location_id in db.session.execute(
            select(Location.code, Location.id).where(Location.site_id == site.id))}
        self.categories = {}
        for code in db.session.scalars(select(MaintenanceCode).where(
                MaintenanceCode.kind == "category", MaintenanceCode.active)):
            self.categories[code.name.lower()] = code.id
            if code.name_zh:
                self.categories[code.name_zh.lower()] = code.id


def _values(row: dict, number: int, lookups: _Lookups):
    problems: list[Problem] = []

    def text(name: str) -> str:
        return (row.get(name) or "").strip()

    def problem(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    for name, limit in (("code", 40), ("name", 150), ("make", 80), ("model", 80),
                        ("serial_number", 80), ("barcode", 64), ("notes", 4000)):
        if len(text(name)) > limit:
            problem(name, _("Use at most %(max)d characters.", max=limit))
    for name in ("code", "name"):
        if not text(name):
            problem(name, _("This field is required."))
    category = lookups.categories.get(text("category").lower()) if text("category") else None
    if text("category") and category is None:
        problem("category", _("No such category in the list."))
    location = lookups.locations.get(text("location").upper()) if text("location") else None
    if text("location") and location is None:
        problem("location", _("No location of this site has this code."))
    status = text("status").lower().replace(" ", "_") or "in_service"
    if status not in ASSET_STATUSES:
        problem("status", _("Use one of: %(values)s.", values=", ".join(ASSET_STATUSES)))
    criticality = text("criticality").upper() or "B"
    if criticality not in ("A", "B", "C"):
        problem("criticality", _("Use A, B or C."))
    dates = {name: _date(text(name), name, problem) for name in ("purchase_date",
                                                                  "warranty_ends_on")}
    cost = _cost(text("purchase_cost"), problem)
    values = services.AssetFields(
        code=text("code"), name=text("name"), barcode=text("barcode"), category_id=category,
        make=text("make"), model=text("model"), serial_number=text("serial_number"),
        location_id=location, parent_code=text("parent"), status=status,
        criticality=criticality, purchase_date=dates["purchase_date"], purchase_cost=cost,
        warranty_ends_on=dates["warranty_ends_on"], notes=text("notes"))
    return values, problems


def _date(value: str, column: str, problem) -> date | None:
    if not value:
        return None
    try:
        found = date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        problem(column, _("Write dates as 2026-12-31."))
        return None
    if not 2000 <= found.year <= 2100:
        problem(column, _("Enter a date between 2000 and 2100."))
        return None
    return found


def _cost(value: str, problem) -> Decimal | None:
    if not value:
        return None
    try:
        cost = Decimal(value.replace(",", ""))
    except InvalidOperation:
        problem("purchase_cost", _("Enter a number."))
        return None
    if not cost.is_finite() or not 0 <= cost < 10**10:
        problem("purchase_cost", _("Enter a cost of 0 or more."))
        return None
    return cost.quantize(Decimal("0.01"))

