"""Stocktake pages: a store's counts and its inventory record accuracy; a new count (with a
cycle count proposed by class or by the age of bins' last counts); the counting screen, a
line per request; a count's review, recounts, approval and cancelling."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.core import charts
from app.core.domain import DomainError
from app.core.forms import apply
from app.core.i18n import utc_to_local
from app.core.idempotency import idempotent
from app.core.pagination import keyset_page
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, is_fragment_request, render_page
from app.extensions import db
from app.stock import bp, count_queries, counts, queries
from app.stock.count_forms import (
    SCOPE_LABELS,
    ApproveCountForm,
    CountForm,
    CountLineForm,
    RecountForm,
)
from app.stock.models import (
    COUNT_STATUS_LABELS,
    COUNT_STATUSES,
    LINE_STATUS_LABELS,
    CountLine,
    StockBin,
)
from app.stock.views import LABELS

COUNT_LABELS = {**LABELS, "count_labels": COUNT_STATUS_LABELS, "line_labels": LINE_STATUS_LABELS,
                "scope_labels": SCOPE_LABELS}
REVIEW_PAGE = 50
PROPOSALS = {"age", "class"}
DEFAULT_AGE_DAYS = 90


# --- counts and accuracy -------------------------------------------------------------------------

@bp.route("/counts/")
@requires("counts.count")
def count_list():
    store = queries.get_store(current_user, int_arg("store")) if int_arg("store") else None
    status = text_arg("status") if text_arg("status") in COUNT_STATUSES else ""
    page = keyset_page(count_queries.count_list(current_user, store_id=getattr(
        store, "id", None), status=status), *count_queries.COUNT_ORDER)
    history = counts.accuracy_history(store) if store is not None and \
        not is_fragment_request() else []
    return render_page("stock/counts.html", "count_results", page=page, store=store,
                       chosen=status, statuses=COUNT_STATUSES, history=history,
                       chart=_accuracy_chart(history) if history else None,
                       stores=[] if is_fragment_request() else db.session.scalars(
                           queries.store_list(current_user)).all(), **COUNT_LABELS)


def _accuracy_chart(history):
    """Each approved count's accuracy, by the day it was approved at its store's site."""
    labels = [utc_to_local(count.approved_at, count.store.site.timezone or "UTC")
              .strftime("%m-%d") for count in history]
    return charts.line(_("Inventory record accuracy"), labels,
                       [count.accuracy for count in history], unit="%", maximum=100)


@bp.route("/stores/<int:store_id>/counts/new", methods=["GET", "POST"])
@requires("counts.count")
@idempotent
def count_new(store_id: int):
    store = queries.get_store(current_user, store_id)
    form = CountForm(store=store)
    proposal = text_arg("propose") if text_arg("propose") in PROPOSALS else ""
    days = max(1, min(int_arg("days") or DEFAULT_AGE_DAYS, 3650))
    if request.method == "GET" and proposal:
        _propose(form, store, proposal, days)
    if form.validate_on_submit() and (made := apply(form, counts.start_count, store,
                                                    form.plan(), by=current_user)):
        flash(_("Count %(reference)s started.", reference=made.reference), "success")
        return redirect(url_for("stock.count", count_id=made.id), 303)
    return form_page("stock/count_form.html", form, form=form, store=store, days=days,
                     proposal=proposal, **COUNT_LABELS)


def _propose(form: CountForm, store, proposal: str, days: int) -> None:
    """A cycle count filled in: bins not counted for `days`, or the items due by class."""
    if proposal == "age":
        form.scope.data = "bins"
        form.bins.data = "\n".join(bin_.code for bin_ in
                                   count_queries.bins_not_counted_for(store, days))
        form.note.data = _("Bins not counted for %(num)d days", num=days)
    else:
        due = count_queries.items_due_by_class(store)
        form.scope.data = "items"
        form.items.data = "\n".join(sku for sku, _label in due)
        form.note.data = _("Items due by class: %(a)d A, %(b)d B, %(c)d C",
                           a=sum(label == "A" for _sku, label in due),
                           b=sum(label == "B" for _sku, label in due),
                           c=sum(label == "C" for _sku, label in due))


# --- a count -------------------------------------------------------------------------------------

def _count_page(found, approve_form=None):
    return form_page("stock/count.html", approve_form, count=found,
                     figures=counts.summary(found),
                     bins=db.session.execute(count_queries.bins_progress(found)).all(),
                     approve_form=approve_form or ApproveCountForm(formdata=None),
                     **COUNT_LABELS)


@bp.route("/counts/<int:count_id>")
@requires("counts.count")
def count(count_id: int):
    return _count_page(count_queries.get_count(current_user, count_id))


@bp.route("/counts/<int:count_id>/approve", methods=["POST"])
@requires("counts.approve")
def count_approve(count_id: int):
    found = count_queries.get_count(current_user, count_id, lock=True)
    form = ApproveCountForm()
    if form.validate_on_submit() and (done := apply(
            form, counts.approve, found, uncounted=form.uncounted.data, by=current_user,
            raise_action=bool(form.raise_action.data), field="uncounted")):
        flash(ngettext("%(reference)s approved: %(num)d adjustment posted.",
                       "%(reference)s approved: %(num)d adjustments posted.", done.adjusted,
                       reference=found.reference), "success")
        if done.action is not None:
            flash(_("Action %(reference)s raised.", reference=done.action.reference), "info")
        return redirect(url_for("stock.count", count_id=found.id), 303)
    return _count_page(found, form)


@bp.route("/counts/<int:count_id>/cancel", methods=["POST"])
@requires("counts.approve")
def count_cancel(count_id: int):
    found = count_queries.get_count(current_user, count_id, lock=True)
    try:
        counts.cancel(found, by=current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("%(reference)s cancelled.", reference=found.reference), "success")
    return redirect(url_for("stock.count", count_id=found.id), 303)


# --- counting ------------------------------------------------------------------------------------

@bp.route("/counts/<int:count_id>/count", methods=["GET", "POST"])
@requires("counts.count")
@idempotent
def count_screen(count_id: int):
    found = count_queries.get_count(current_user, count_id)
    if found.status != "counting":
        flash(_("This count is closed: nothing in it changes any more."), "error")
        return redirect(url_for("stock.count", count_id=found.id), 303)
    form = CountLineForm(count=found)
    saved = None
    if form.validate_on_submit() and (saved := apply(form, counts.count_item, found,
                                                     **form.details(), by=current_user)):
        if not request.htmx:
            flash(_("Counted: %(sku)s %(quantity)s %(unit)s in bin %(bin)s.",
                    sku=saved.item.sku, quantity=LABELS["quantity_text"](saved.counted),
                    unit=saved.item.unit, bin=saved.bin.code), "success")
            return redirect(url_for("stock.count_screen", count_id=found.id,
                                    bin=saved.bin.code, add="1" if form.add.data else None),
                            303)
        kept_bin, kept_add = saved.bin.code, form.add.data
        form = CountLineForm(formdata=None, count=found)  # the next line, same bin
        form.bin.data, form.add.data = kept_bin, kept_add
    elif request.method == "GET":
        form.bin.data = text_arg("bin", 40)
        form.add.data = text_arg("add") == "1"
    return form_page("stock/count_screen.html", form, fragment="move_form", count=found,
                     form=form, saved=saved, **_screen_context(found, form), **COUNT_LABELS)


def _screen_context(found, form) -> dict:
    """What the full counting page shows besides the form: the bin's lines, the bins still
    to count (to choose from, unless the label must be scanned), my saved lines."""
    if is_fragment_request():
        return {"lines": [], "bin_": None, "bin_lines": [], "todo": []}
    bin_ = form.bin_record or (count_queries.count_bin_by_code(found, form.bin.data)
                               if form.bin.data else None)  # found by the form, if it was sent
    return {
        "lines": db.session.scalars(count_queries.recent_count_lines(current_user,
                                                                     found)).all(),
        "bin_": bin_,
        "bin_lines": db.session.scalars(count_queries.bin_lines(found, bin_)).all()
        if bin_ is not None else [],
        "todo": [] if found.bin_scan_first else db.session.execute(
            count_queries.bins_progress(found, limit=30, todo_only=True)).all(),
    }


@bp.route("/counts/<int:count_id>/bins/<int:bin_id>/empty", methods=["POST"])
@requires("counts.count")
def count_bin_empty(count_id: int, bin_id: int):
    found = count_queries.get_count(current_user, count_id)
    bin_ = db.session.get(StockBin, bin_id)
    if bin_ is None or bin_.store_id != found.store_id:
        abort(404)
    try:  # sent twice, the second finds no line left to count
        counted = counts.count_bin_empty(found, bin_, by=current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(ngettext("Bin %(code)s counted empty (%(num)d line at 0).",
                       "Bin %(code)s counted empty (%(num)d lines at 0).", counted,
                       code=bin_.code), "success")
    return redirect(url_for("stock.count_screen", count_id=found.id), 303)


# --- review and recounts -------------------------------------------------------------------------

@bp.route("/counts/<int:count_id>/review")
@requires("counts.approve")
def count_review(count_id: int, recount_form=None):
    found = count_queries.get_count(current_user, count_id)
    shown = text_arg("show") if text_arg("show") in counts.REVIEW_FILTERS else ""
    page = keyset_page(counts.review_lines(found, shown), CountLine.id.asc(),
                       per_page=REVIEW_PAGE, counted=False)
    moved = counts.moved_lines(found, [line.id for line in page.items])
    over = counts.lines_over(found, page.items)
    return form_page("stock/count_review.html", recount_form, fragment="review_lines",
                     count=found, page=page, shown=shown, moved=moved, over=over,
                     figures=counts.summary(found) if not is_fragment_request() else None,
                     recount_form=recount_form or RecountForm(formdata=None, count=found),
                     **COUNT_LABELS)


@bp.route("/counts/<int:count_id>/recount", methods=["POST"])
@requires("counts.approve")
@idempotent
def count_recount(count_id: int):
    found = count_queries.get_count(current_user, count_id, lock=True)
    form = RecountForm(count=found)
    if form.validate_on_submit() and (asked := apply(
            form, counts.ask_recount, found, form.lines.data, form.recounter_record,
            by=current_user, field="lines")):
        flash(ngettext("%(num)d line sent to %(name)s for a recount.",
                       "%(num)d lines sent to %(name)s for a recount.", asked,
                       name=form.recounter_record.name or form.recounter_record.username),
              "success")
        return redirect(url_for("stock.count_review", count_id=found.id, show="recount"), 303)
    return count_review(count_id, recount_form=form)
