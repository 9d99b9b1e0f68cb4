"""Stock in files and figures: items imported from CSV (checked first, every bad row listed,
nothing imported until all are good) and exported; a store's valuation, as a page and CSV."""

from datetime import date
from decimal import Decimal

from flask import flash, redirect, url_for
from flask_babel import ngettext
from flask_login import current_user

from app.core.csv_export import csv_response
from app.core.csv_import import check_or_import
from app.core.permissions import requires
from app.core.render import render_page
from app.extensions import db
from app.stock import bp, item_import, queries
from app.stock.forms import ItemImportForm
from app.stock.services import quantity_text

VALUATION_SHOWN = 100  # the page shows the most valuable; the CSV has every item


@bp.route("/import", methods=["GET", "POST"])
@requires("stock.manage")
def item_import_page():
    form = ItemImportForm()
    sent = check_or_import(form, lambda text, dry_run: item_import.import_items(
        text, dry_run=dry_run, by=current_user))
    if sent.imported:
        flash(ngettext("%(num)d item imported.", "%(num)d items imported.",
                       sent.report.imported), "success")
        return redirect(url_for("stock.items"), 303)
    return render_page("stock/import.html", form=form, report=sent.report,
                       csv_text=sent.text, columns=item_import.COLUMNS,
                       status=422 if form.errors or sent.report and sent.report.problems
                       else 200)


@bp.route("/export.csv")
@requires("stock.view")
def item_export():
    return csv_response(f"stock-items-{date.today().isoformat()}.csv",
                        list(item_import.COLUMNS),
                        item_import.export_rows(queries.item_list(current_user)
                                                .order_by(None).order_by(*queries.ITEM_ORDER)))


@bp.route("/stores/<int:store_id>/valuation")
@requires("stock.manage")
def valuation(store_id: int):
    store = queries.get_store(current_user, store_id)
    count, value = queries.valuation_totals(store)
    rows = db.session.execute(queries.valuation_of(store).limit(VALUATION_SHOWN)).all()
    return render_page("stock/valuation.html", store=store, rows=rows, count=count,
                       value=value, shown=VALUATION_SHOWN, quantity_text=quantity_text)


@bp.route("/stores/<int:store_id>/valuation.csv")
@requires("stock.manage")
def valuation_csv(store_id: int):
    store = queries.get_store(current_user, store_id)
    statement = queries.valuation_of(store).execution_options(yield_per=500)

    def rows():
        for item, quantity, value in db.session.execute(statement):
            yield [item.sku, item.name, item.name_zh, item.category, item.unit,
                   quantity_text(quantity), f"{item.unit_cost:.2f}",
                   f"{Decimal(str(value)):.2f}"]

    return csv_response(f"valuation-{store.code}-{date.today().isoformat()}.csv",
                        ["sku", "name", "name_zh", "category", "unit", "quantity",
                         "unit_cost", "value"], rows())
