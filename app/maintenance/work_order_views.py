"""Work orders: a fault report from an asset's page (or its QR label), the list and backlog
for supervisors, a work order's page with its moves, comments and timeline, and "My work"."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.queries import people_of_my_sites
from app.core import attachments
from app.core.attachments import attachments_for
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.models import utcnow
from app.core.pagination import keyset_page
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, render_page
from app.core.timeline import events_of
from app.extensions import db
from app.maintenance import bp, policy, queries, work_orders
from app.maintenance.forms import FaultForm, MoveForm, PlanForm, WorkCommentForm
from app.maintenance.models import (
    HOLD_REASON_LABELS,
    PRIORITIES,
    PRIORITY_LABELS,
    WORK_STATUS_LABELS,
    WORK_STATUSES,
    WORK_TYPE_LABELS,
    WORK_TYPES,
)
from app.sites import queries as site_queries

WORK_LABELS = {"work_status_labels": WORK_STATUS_LABELS, "work_type_labels": WORK_TYPE_LABELS,
               "priority_labels": PRIORITY_LABELS, "hold_reason_labels": HOLD_REASON_LABELS}


def _today():
    return utcnow().date()


# --- fault reports -------------------------------------------------------------------------------

@bp.route("/assets/<uuid:asset_uuid>/fault", methods=["GET", "POST"])
@requires("faults.report")
@idempotent
def fault_report(asset_uuid):
    asset = queries.get_asset(current_user, asset_uuid)
    form = FaultForm()
    photos = attachments.chosen_files(form.photos)
    held = attachments.held(form.idempotency_key.data, keep=request.form.getlist("keep_photo"))
    if form.validate_on_submit() and (work_order := apply(
            form, work_orders.report_fault, asset, description=form.description.data,
            asset_down=form.asset_down.data, photos=photos, held=held, field="photos",
            by=current_user)):
        flash(_("Fault reported as %(reference)s. A supervisor will take it from here.",
                reference=work_order.reference), "success")
        return redirect(url_for("maintenance.work_order", work_order_id=work_order.id), 303)
    if request.method == "POST":  # refused: the photos wait on the server for the next try
        held += attachments.hold(photos, form.idempotency_key.data, by=current_user)
    return form_page("maintenance/fault_form.html", form, form=form, asset=asset, held=held)


# --- lists ---------------------------------------------------------------------------------------

@bp.route("/work-orders/")
@requires("workorders.view")
def work_order_list():
    statuses = ("unfinished", *WORK_STATUSES)
    filters = {
        "status": text_arg("status") if text_arg("status") in statuses else "",
        "kind": text_arg("kind") if text_arg("kind") in WORK_TYPES else "",
        "priority": int_arg("priority") if int_arg("priority") in PRIORITIES else None,
        "site_id": int_arg("site"),
        "asset_id": int_arg("asset"),
        "assignee_id": int_arg("assignee"),
        "overdue": text_arg("overdue") == "1",
    }
    today = _today()
    page = keyset_page(queries.work_order_list(current_user, today=today, **filters),
                       *queries.WORK_ORDER_ORDER)
    managing = current_user.can("workorders.manage")
    return render_page(
        "maintenance/work_orders.html", "work_order_results", page=page, filters=filters,
        statuses=statuses, kinds=WORK_TYPES, priorities=PRIORITIES, today=today,
        sites=db.session.execute(site_queries.site_options(current_user)).all(),
        assignees=db.session.execute(people_of_my_sites(current_user)).all()
        if policy.sees_all_work(current_user) else [],
        backlog=queries.backlog_by_age(current_user, utcnow(), filters["site_id"])
        if managing else None, **WORK_LABELS)


@bp.route("/my-work")
@requires("workorders.work")
def my_work():
    found = db.session.scalars(queries.my_work(current_user).limit(200)).all()
    return render_page("maintenance/my_work.html", work=found, today=_today(), **WORK_LABELS)


# --- a work order --------------------------------------------------------------------------------

def _page(work_order, *, status=200, plan_form=None, move_form=None, comment_form=None,
          failed_move=""):
    """The work order's page; a refused form (plan, a move, a comment) comes back with its
    errors and what was typed."""
    may_manage = policy.may_manage_work(current_user, work_order)
    people = list(work_orders.assignable(work_order.site_id).values()) if may_manage else []
    if plan_form is None and may_manage:
        plan_form = PlanForm(formdata=None, people=people)
        plan_form.fill_from(work_order)
    return render_page(
        "maintenance/work_order.html", "work_timeline", status=status, work_order=work_order,
        asset=work_order.asset, moves=policy.allowed_moves(current_user, work_order),
        may_manage=may_manage, plan_form=plan_form,
        move_forms={to: move_form if to == failed_move and move_form else
                    MoveForm(formdata=None, prefix=to)
                    for to in policy.allowed_moves(current_user, work_order)},
        comment_form=comment_form or WorkCommentForm(formdata=None),
        photos=db.session.scalars(attachments_for("workorder", work_order.id)).all(),
        events=db.session.scalars(events_of("workorder", work_order.id)).all(),
        today=_today(), **WORK_LABELS)


@bp.route("/work-orders/<int:work_order_id>")
@requires("workorders.view")
def work_order(work_order_id: int):
    return _page(queries.get_work_order(current_user, work_order_id))


@bp.route("/work-orders/<int:work_order_id>/plan", methods=["POST"])
@requires("workorders.manage")
def work_order_plan(work_order_id: int):
    """Approve a request (it becomes an open work order), or plan open work again."""
    found = queries.get_work_order(current_user, work_order_id)
    if not policy.may_manage_work(current_user, found):
        abort(404)
    form = PlanForm(people=work_orders.assignable(found.site_id).values())
    service = work_orders.approve if found.status == "requested" else work_orders.reassign
    if form.validate_on_submit() and apply(form, service, found, by=current_user,
                                           **form.plan()):
        flash(_("%(reference)s approved: it is open work now.", reference=found.reference)
              if service is work_orders.approve else _("%(reference)s planned.",
                                                        reference=found.reference), "success")
        return redirect(url_for("maintenance.work_order", work_order_id=found.id), 303)
    return _page(found, status=422, plan_form=form)


@bp.route("/work-orders/<int:work_order_id>/move", methods=["POST"])
@requires("workorders.view")
def work_order_move(work_order_id: int):
    found = queries.get_work_order(current_user, work_order_id)
    to = (request.form.get("to") or "")[:20]  # a move not allowed now: said by the service
    form = MoveForm(prefix=to)
    if form.validate_on_submit() and apply(
            form, work_orders.move, found, to, by=current_user, reason=form.reason.data,
            hold_reason=form.hold_reason.data or "", work_done=form.work_done.data,
            back_in_service=form.back_in_service.data):
        flash(_("%(reference)s is now: %(status)s", reference=found.reference,
                status=WORK_STATUS_LABELS[found.status]), "success")
        return redirect(url_for("maintenance.work_order", work_order_id=found.id), 303)
    for error in form.form_errors:  # about the move, not a field: said at the top
        flash(str(error), "error")
    return _page(found, status=422, move_form=form, failed_move=to)


@bp.route("/work-orders/<int:work_order_id>/comments", methods=["POST"])
@requires("workorders.view")
@idempotent
def work_order_comment(work_order_id: int):
    found = queries.get_work_order(current_user, work_order_id)
    form = WorkCommentForm()
    if form.validate_on_submit() and apply(form, work_orders.comment, found,
                                           text=form.text.data, field="text", by=current_user):
        return redirect(url_for("maintenance.work_order", work_order_id=found.id) +
                        "#timeline", 303)
    return _page(found, status=422, comment_form=form)
