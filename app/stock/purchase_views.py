"""Buying stock: a store's reorder list (what is at or under its reorder point, with a
suggested quantity) made into a purchase request; the requests, approved or rejected by a
supervisor, cancelled, and received against from the receive screen."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.domain import DomainError
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.pagination import keyset_page
from app.core.params import text_arg
from app.core.permissions import requires
from app.core.render import form_page, render_page
from app.stock import bp, purchasing, queries
from app.stock.forms import DecisionForm, PurchaseRequestForm
from app.stock.models import PURCHASE_STATUS_LABELS, PURCHASE_STATUSES
from app.stock.views import LABELS

PURCHASE_LABELS = {**LABELS, "purchase_labels": PURCHASE_STATUS_LABELS}


@bp.route("/stores/<int:store_id>/reorder", methods=["GET", "POST"])
@requires("stock.manage")
@idempotent
def reorder(store_id: int):
    store = queries.get_store(current_user, store_id)
    low = purchasing.low_at(store)
    form = PurchaseRequestForm(low=low)
    if form.validate_on_submit() and (made := apply(
            form, purchasing.request_purchase, store, form.chosen(), reason=form.reason.data,
            by=current_user, field="reason")):
        flash(_("Purchase request %(reference)s sent for approval.", reference=made.reference),
              "success")
        return redirect(url_for("stock.purchase", purchase_id=made.id), 303)
    return form_page("stock/reorder.html", form, form=form, store=store,
                     low={entry.item.id: entry for entry in low}, **PURCHASE_LABELS)


@bp.route("/purchases/")
@requires("stock.manage")
def purchase_list():
    status = text_arg("status") if text_arg("status") in PURCHASE_STATUSES else ""
    page = keyset_page(queries.purchase_list(current_user, status=status),
                       *queries.PURCHASE_ORDER)
    return render_page("stock/purchases.html", "purchase_results", page=page, chosen=status,
                       statuses=PURCHASE_STATUSES, **PURCHASE_LABELS)


def _purchase_page(found, decision_form=None):
    return form_page("stock/purchase.html", decision_form, purchase=found,
                     decision_form=decision_form or DecisionForm(formdata=None),
                     **PURCHASE_LABELS)


@bp.route("/purchases/<int:purchase_id>")
@requires("stock.manage")
def purchase(purchase_id: int):
    return _purchase_page(queries.get_purchase(current_user, purchase_id))


@bp.route("/purchases/<int:purchase_id>/decide", methods=["POST"])
@requires("purchases.approve")
def purchase_decide(purchase_id: int):
    found = queries.get_purchase(current_user, purchase_id)
    form = DecisionForm()
    approve = request.form.get("decision") == "approve"  # else rejected (a note needed)
    if form.validate_on_submit() and apply(form, purchasing.decide, found, approve=approve,
                                           note=form.note.data or "", by=current_user,
                                           field="note"):
        flash(_("%(reference)s approved.", reference=found.reference) if approve else
              _("%(reference)s rejected.", reference=found.reference), "success")
        return redirect(url_for("stock.purchase", purchase_id=found.id), 303)
    return _purchase_page(found, form)


@bp.route("/purchases/<int:purchase_id>/cancel", methods=["POST"])
@requires("stock.manage")
def purchase_cancel(purchase_id: int):
    found = queries.get_purchase(current_user, purchase_id)
    try:
        purchasing.cancel(found, by=current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("%(reference)s cancelled.", reference=found.reference), "success")
    return redirect(url_for("stock.purchase", purchase_id=found.id), 303)
