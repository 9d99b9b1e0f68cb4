"""Work orders: a fault report from an asset's page (or its QR label), the list and backlog
for supervisors, a work order's page with its moves, comments and timeline, and "My work"."""

import uuid

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.queries import people_of_my_sites
from app.core import attachments
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.models import utcnow
from app.core.pagination import keyset_page, page_number
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, render_page
from app.core.sections import sections_for
from app.core.timeline import events_of
from app.extensions import db
from app.incidents import queries as incident_queries
from app.maintenance import bp, policy, preventive, queries, services, work_log, work_orders
from app.maintenance.forms import (
    DowntimeForm,
    FaultForm,
    HoursForm,
    IncidentFaultForm,
    MoveForm,
    PlanForm,
    TaskForm,
    TickForm,
    TimerForm,
    WorkCommentForm,
    WorkPhotoForm,
)
from app.maintenance.models import (
    HOLD_REASON_LABELS,
    PRIORITIES,
    PRIORITY_LABELS,
    WORK_STATUS_LABELS,
    WORK_STATUSES,
    WORK_TYPE_LABELS,
    WORK_TYPES,
    Asset,
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


@bp.route("/faults/from-incident/<int:incident_id>", methods=["POST"])
@requires("faults.report")
@idempotent
def fault_from_incident(incident_id: int):
    """A fault report from an incident of equipment failure, with its words and photos."""
    incident = incident_queries.get_incident(current_user, incident_id)
    form = IncidentFaultForm(user=current_user, location_id=incident.location_id)
    if form.validate_on_submit():
        asset = _asset_named(form, incident.site_id)
        if asset is not None and (work_order := apply(
                form, work_orders.fault_from_incident, incident, asset, by=current_user)):
            flash(_("Fault reported as %(reference)s. A supervisor will take it from here.",
                    reference=work_order.reference), "success")
            return redirect(url_for("maintenance.work_order", work_order_id=work_order.id),
                            303)
    for error in [*form.asset.errors, *form.asset_code.errors, *form.form_errors]:
        flash(str(error), "error")
    return redirect(url_for("incidents.detail", incident_id=incident.id), 303)


def _asset_named(form, site_id: int):
    """The asset chosen from the menu, or named by its code, at the site (an error on the
    form otherwise)."""
    if form.asset.data:
        asset = db.session.get(Asset, form.asset.data)
    else:
        asset = db.session.scalar(queries.asset_by_code(form.asset_code.data or "", site_id))
    if asset is None or asset.site_id != site_id:
        form.asset.errors.append(_("Choose an asset of the incident's site."))
        return None
    return asset


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
    if policy.sees_all_work(current_user):
        preventive.generate_on_read(my_sites())
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
    """Pages by number (the list is in order of urgency, not of a key a cursor could name),
    without counting them all: one row more than a page tells whether there is a next."""
    preventive.generate_on_read(my_sites())  # preventive work that fell due, first
    number = page_number()
    found = db.session.scalars(queries.my_work(
        current_user, offset=(number - 1) * MY_WORK_PAGE, limit=MY_WORK_PAGE + 1)).all()
    return render_page("maintenance/my_work.html", work=found[:MY_WORK_PAGE], number=number,
                       more=len(found) > MY_WORK_PAGE, today=_today(), **WORK_LABELS)


MY_WORK_PAGE = 25


def my_sites():
    """The sites whose planned work a page generates: the user's (an admin's: all)."""
    return None if current_user.is_admin else current_user.sites


# --- a work order --------------------------------------------------------------------------------

def work_order_page(work_order, *, status=200, plan_form=None, move_form=None,
                    failed_move="", **refused):
    """The work order's page; a refused form (the plan, a move, a comment, a task, hours,
    downtime, a photo: `refused`) comes back with its errors and what was typed."""
    may_manage = policy.may_manage_work(current_user, work_order)
    planning = may_manage and work_order.status == "requested"  # approving it here
    people = list(work_orders.assignable(work_order.site_id).values()) if planning else []
    if plan_form is None and planning:
        plan_form = PlanForm(formdata=None, people=people)
        plan_form.fill_from(work_order)
    moves = policy.allowed_moves(current_user, work_order)
    tasks = db.session.scalars(queries.tasks_of(work_order)).all()
    forms = {"comment_form": WorkCommentForm(formdata=None),
             "task_form": TaskForm(formdata=None), "hours_form": HoursForm(formdata=None),
             "downtime_form": DowntimeForm(formdata=None), "timer_form": TimerForm(None),
             "photo_form": WorkPhotoForm(formdata=None),
             "tick_forms": {task.id: TickForm(formdata=None, obj=task, prefix=f"t{task.id}")
                            for task in tasks}}
    forms["tick_forms"].update(refused.pop("tick_forms", {}))
    forms.update(refused)
    started = work_order.status != "requested"  # nothing is logged on a request
    labour = db.session.scalars(work_log.labour_of(work_order)).all() if started else []
    return render_page(
        "maintenance/work_order.html", "work_timeline", status=status, work_order=work_order,
        asset=work_order.asset, moves=moves, may_manage=may_manage, plan_form=plan_form,
        may_work=policy.may_work_on(current_user, work_order),
        move_forms={to: move_form if to == failed_move and move_form else
                    MoveForm(formdata=None, prefix=to, with_codes=to == "done")
                    for to in moves},
        needs_sign_off=work_order.status == "done" and work_orders.needs_sign_off(work_order),
        tasks=tasks, labour=labour,
        my_timer=next((e for e in labour if e.running and e.user_id == current_user.id), None),
        minutes_text=work_log.minutes_text, estimate_text=work_log.estimate_text,
        number_text=services.number_text,
        downtime=db.session.scalars(work_log.downtime_of(work_order)).all() if started else [],
        **_files(work_order),
        sections=sections_for(work_order, current_user),
        events=db.session.scalars(events_of("workorder", work_order.id)).all(),
        today=_today(), now=utcnow(), fresh_key=lambda: uuid.uuid4().hex,
        pad_words=_pad_words(), **forms, **WORK_LABELS)


def _files(work_order) -> dict:
    """Its photos before (with the report's) and after, and the verifier's signature: one
    query."""
    found: dict[str, list] = {"workorder": [], "workorderafter": [], "workordersignoff": []}
    for attachment in db.session.scalars(queries.files_of(work_order)):
        found[attachment.entity_type].append(attachment)
    return {"photos": found["workorder"], "photos_after": found["workorderafter"],
            "sign_off": next(iter(found["workordersignoff"]), None)}


def _pad_words() -> dict:
    """The words of the signature pad (templates/inspections/_pad.html), in the reader's
    language."""
    return {"needs_javascript": _("Signing needs JavaScript: close this work order on a "
                                  "phone or tablet with JavaScript on."),
            "sign_first": _("Sign in the box first."),
            "signature_pad": _("Signature pad: draw with a finger or the mouse"),
            "clear_pad": _("Clear"), "save_signature": _("Sign and close"),
            "sign_again": _("Sign and close")}


@bp.route("/work-orders/<int:work_order_id>")
@requires("workorders.view")
def work_order(work_order_id: int):
    return work_order_page(queries.get_work_order(current_user, work_order_id))


@bp.route("/work-orders/<int:work_order_id>/plan", methods=["GET", "POST"])
@requires("workorders.manage")
def work_order_plan(work_order_id: int):
    """Approve a request (on its page: it becomes an open work order), or plan open work
    again (a page of its own, from the work order's)."""
    found = queries.get_work_order(current_user, work_order_id)
    if not policy.may_manage_work(current_user, found):
        abort(404)
    form = PlanForm(people=work_orders.assignable(found.site_id).values())
    if request.method == "GET":
        if found.status not in ("open", "in_progress", "on_hold"):
            return redirect(url_for("maintenance.work_order", work_order_id=found.id), 303)
        form.fill_from(found)
        return render_page("maintenance/plan.html", form=form, work_order=found,
                           **WORK_LABELS)
    service = work_orders.approve if found.status == "requested" else work_orders.reassign
    if form.validate_on_submit() and apply(form, service, found, by=current_user,
                                           **form.plan()):
        flash(_("%(reference)s approved: it is open work now.", reference=found.reference)
              if service is work_orders.approve else _("%(reference)s planned.",
                                                        reference=found.reference), "success")
        return redirect(url_for("maintenance.work_order", work_order_id=found.id), 303)
    if service is work_orders.reassign:
        return render_page("maintenance/plan.html", form=form, work_order=found, status=422,
                           **WORK_LABELS)
    return work_order_page(found, status=422, plan_form=form)


@bp.route("/work-orders/<int:work_order_id>/move", methods=["POST"])
@requires("workorders.view")
def work_order_move(work_order_id: int):
    found = queries.get_work_order(current_user, work_order_id)
    to = (request.form.get("to") or "")[:20]  # a move not allowed now: said by the service
    form = MoveForm(prefix=to, with_codes=to == "done")
    if form.validate_on_submit() and apply(
            form, work_orders.move, found, to, by=current_user, reason=form.reason.data,
            hold_reason=form.hold_reason.data or "", work_done=form.work_done.data,
            back_in_service=form.back_in_service.data, codes=form.codes()):
        flash(_("%(reference)s is now: %(status)s", reference=found.reference,
                status=WORK_STATUS_LABELS[found.status]), "success")
        return redirect(url_for("maintenance.work_order", work_order_id=found.id), 303)
    for error in form.form_errors:  # about the move, not a field: said at the top
        flash(str(error), "error")
    return work_order_page(found, status=422, move_form=form, failed_move=to)


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
    return work_order_page(found, status=422, comment_form=form)
