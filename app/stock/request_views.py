"""Parts for work orders: asked for on the work order's page (a section stock adds to it,
sent and answered on its own with htmx), cancelled, and listed for the storekeeper, who
issues them from the issue screen."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import sections
from app.core.domain import DomainError
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.pagination import keyset_page
from app.core.params import int_arg
from app.core.permissions import requires, user_can
from app.core.render import form_page, is_fragment_request, render_page
from app.extensions import db
from app.maintenance import policy as work_policy
from app.maintenance import queries as work_queries
from app.stock import bp, part_requests, queries
from app.stock.forms import PartRequestForm
from app.stock.models import REQUEST_STATUS_LABELS
from app.stock.services import quantity_text
from app.stock.views import LABELS

ASKING = ("open", "in_progress", "on_hold", "done")  # a work order parts are asked for on


def may_ask(user, work_order) -> bool:
    return user_can(user, "parts.request") and work_policy.may_work_on(user, work_order) \
        and work_order.status in ASKING


@sections.register
def work_order_parts(record, user):
    """On a work order's page: a place its parts and cost are loaded into after the page
    (their three queries stay off the page's budget), a link without JavaScript."""
    if getattr(record, "__entity__", None) != "workorder" or record.status == "requested" \
            or not user_can(user, "stock.view"):
        return None
    return "stock/_work_order_parts_slot.html", {"work_order": record}


def parts_context(work_order, user, form=None) -> dict:
    used = part_requests.parts_used(work_order)
    return {"work_order": work_order,
            "part_requests": db.session.scalars(part_requests.requests_of(work_order)).all(),
            "parts_used": used, "work_cost": part_requests.cost_of(work_order, used),
            "part_form": form or PartRequestForm(formdata=None),
            "may_ask": may_ask(user, work_order),
            "may_issue": user_can(user, "stock.move"),
            "request_labels": REQUEST_STATUS_LABELS, "quantity_text": quantity_text}


def _parts(work_order, form=None):
    """The parts of a work order: alone for htmx (the slot on its page), else a page."""
    context = parts_context(work_order, current_user, form)
    if is_fragment_request():
        return form_page("stock/_work_order_parts.html", form, section=context)
    return form_page("stock/work_order_parts.html", form, section=context,
                     work_order=work_order)


@bp.route("/work-orders/<int:work_order_id>/parts")
@requires("stock.view")
def work_order_parts_page(work_order_id: int):
    return _parts(work_queries.get_work_order(current_user, work_order_id))


@bp.route("/work-orders/<int:work_order_id>/parts", methods=["POST"])
@requires("parts.request")
@idempotent
def part_request_new(work_order_id: int):
    work_order = work_queries.get_work_order(current_user, work_order_id)
    if not work_policy.may_work_on(current_user, work_order):
        abort(403)  # a work order that is not open is said so by the service
    form = PartRequestForm()
    if form.validate_on_submit() and apply(form, part_requests.ask, work_order,
                                           form.item_record, form.quantity.data,
                                           note=form.note.data or "", by=current_user):
        if is_fragment_request():
            return _parts(work_order)
        flash(_("Parts asked for."), "success")
        return redirect(url_for("stock.work_order_parts_page", work_order_id=work_order.id),
                        303)
    return _parts(work_order, form)


@bp.route("/part-requests/<int:part_request_id>/cancel", methods=["POST"])
@requires("parts.request")
def part_request_cancel(part_request_id: int):
    found = queries.get_request(current_user, part_request_id)
    if not (found.requested_by_id == current_user.id or current_user.is_manager):
        abort(403)
    try:
        part_requests.cancel(found, by=current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("Request cancelled."), "success")
    return redirect(url_for("stock.work_order_parts_page",
                            work_order_id=found.work_order_id), 303)


@bp.route("/part-requests/")
@requires("stock.move")
def part_request_list():
    page = keyset_page(queries.open_requests(current_user, int_arg("site")),
                       *queries.REQUEST_ORDER)
    stores = db.session.scalars(queries.store_list(current_user)).all()
    stores_at = {}
    for store in stores:
        stores_at.setdefault(store.site_id, []).append(store)
    return render_page("stock/part_requests.html", "request_results", page=page,
                       stores_at=stores_at, **LABELS)
