"""Items from a CSV file (`core.csv_import`): a row whose SKU is in the catalogue changes that
item, any other adds one; every row checked by the item form's rules. The export writes the
same columns, so a file exported, edited and imported again round-trips."""

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.csv_import import Problem, Report, create_in_savepoint, import_rows
from app.extensions import db
from app.stock import services
from app.stock.models import StockItem

COLUMNS = ("sku", "name", "name_zh", "category", "unit", "unit_cost", "reorder_point",
           "reorder_quantity", "barcodes", "active", "notes")
YES, NO = {"", "1", "yes", "y", "true", "是"}, {"0", "no", "n", "false", "否"}


def import_items(text: str, *, dry_run: bool, by) -> Report:
    return import_rows(text, columns=COLUMNS, required=("sku", "name"), dry_run=dry_run,
                       import_row=lambda row, number, report: _import_row(row, number, report,
                                                                          by=by))


def _import_row(row: dict, number: int, report: Report, *, by) -> None:
    given, problems = _values(row, number)
    if problems:
        report.problems.extend(problems)
        return
    item = db.session.scalar(select(StockItem).where(StockItem.sku == given["sku"].upper()))
    if item is None:
        values = services.ItemFields(**given)
        create_in_savepoint(lambda: services.create_item(values, by=by), number, report)
    else:  # the columns the file has change the item; the others keep what it holds
        values = services.ItemFields(**{**_fields_of(item), **given})
        create_in_savepoint(lambda: services.update_item(item, values, by=by), number, report)


def _fields_of(item: StockItem) -> dict:
    return {"sku": item.sku, "name": item.name, "name_zh": item.name_zh,
            "category": item.category, "unit": item.unit, "unit_cost": item.unit_cost,
            "reorder_point": item.reorder_point, "reorder_quantity": item.reorder_quantity,
            "active": item.active, "notes": item.notes,
            "barcodes": tuple(barcode.code for barcode in item.barcodes)}


def _values(row: dict, number: int) -> tuple[dict, list[Problem]]:
    """The row's values, checked, for the columns the file has."""
    problems: list[Problem] = []

    def text(name: str) -> str:
        return (row.get(name) or "").strip()

    def problem(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    for name, limit in (("sku", 40), ("name", 150), ("name_zh", 150), ("category", 60),
                        ("unit", 20), ("notes", 4000), ("barcodes", 2000)):
        if len(text(name)) > limit:
            problem(name, _("Use at most %(max)d characters.", max=limit))
    for name in ("sku", "name"):
        if not text(name):
            problem(name, _("This field is required."))
    if text("sku") and not all(c.isalnum() or c in "._/-" for c in text("sku")):
        problem("sku", _("Use letters, digits, dots, dashes, slashes and underscores."))
    active = text("active").lower()
    if active not in YES | NO:
        problem("active", _("Use yes or no."))
    given = {name: text(name) for name in ("sku", "name", "name_zh", "category", "notes")
             if name in row}
    if "unit" in row:
        given["unit"] = text("unit") or "pcs"
    for name in ("unit_cost", "reorder_point", "reorder_quantity"):
        if name in row:
            given[name] = _number(text(name), name, problem)
    if given.get("unit_cost", 0) is None:
        given["unit_cost"] = Decimal("0")
    if "active" in row:
        given["active"] = active not in NO
    if "barcodes" in row:
        given["barcodes"] = tuple(text("barcodes").replace(";", " ").split())
    return given, problems


def _number(value: str, column: str, problem) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        problem(column, _("Enter a number."))
        return None
    if not number.is_finite() or not 0 <= number < 10**7:
        problem(column, _("Enter a number of 0 or more."))
        return None
    return number


def export_rows(statement):
    """The catalogue's rows, as the import reads them (a generator: read as it is sent)."""
    for item in db.session.scalars(statement.execution_options(yield_per=500)):
        yield [item.sku, item.name, item.name_zh, item.category, item.unit,
               services.quantity_text(item.unit_cost),
               "" if item.reorder_point is None else services.quantity_text(item.reorder_point),
               "" if item.reorder_quantity is None else
               services.quantity_text(item.reorder_quantity),
               " ".join(barcode.code for barcode in item.barcodes),
               "yes" if item.active else "no", item.notes]
