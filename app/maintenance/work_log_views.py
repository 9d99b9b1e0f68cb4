"""What is logged on a work order from a phone (tasks, my timer, hours, downtime, photos),
its sign-off, and the settings behind work orders (technicians' skills, which types sign
off). A refused form comes back on the work order's page (work_order_views.work_order_page)."""

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import User
from app.core.attachments import drawn_png
from app.core.domain import DomainError
from app.core.forms import apply
from app.core.i18n import local_to_utc
from app.core.idempotency import idempotent
from app.core.permissions import requires
from app.core.render import render_page
from app.extensions import db
from app.maintenance import bp, policy, queries, work_log, work_orders
from app.maintenance.forms import (
    DowntimeForm,
    HoursForm,
    SignOffForm,
    SkillsForm,
    TaskForm,
    TickForm,
    TimerForm,
    WorkPhotoForm,
)
from app.maintenance.models import WORK_STATUS_LABELS, WorkTask
from app.maintenance.work_order_views import work_order_page

# --- the work logged on it -----------------------------------------------------------------------

def _workable(work_order_id: int):
    """The work order, if the user may log work on it (an assignee, any technician of the
    site while nobody is assigned, a manager); 404 otherwise (as if not there)."""
    found = queries.get_work_order(current_user, work_order_id)
    if not policy.may_work_on(current_user, found):
        abort(404)
    return found


def _back(found, anchor: str):
    return redirect(url_for("maintenance.work_order", work_order_id=found.id) + anchor, 303)


@bp.route("/work-orders/<int:work_order_id>/tasks", methods=["POST"])
@requires("workorders.work")
@idempotent
def work_task_new(work_order_id: int):
    found = _workable(work_order_id)
    form = TaskForm()
    if form.validate_on_submit() and apply(form, work_log.add_task, found, text=form.text.data,
                                           by=current_user):
        return _back(found, "#tasks")
    return work_order_page(found, status=422, task_form=form)


@bp.route("/work-orders/<int:work_order_id>/tasks/<int:task_id>", methods=["POST"])
@requires("workorders.work")
def work_task_tick(work_order_id: int, task_id: int):
    found = _workable(work_order_id)
    task = db.session.get(WorkTask, task_id)
    if task is None or task.work_order_id != found.id:
        abort(404)
    form = TickForm(prefix=f"t{task.id}")
    if form.validate_on_submit() and apply(
            form, work_log.tick_task, task, found, done=form.done.data,
            reading=form.reading.data, note=form.note.data, field="note", by=current_user):
        return _back(found, "#tasks")
    return work_order_page(found, status=422, tick_forms={task.id: form})


@bp.route("/work-orders/<int:work_order_id>/timer", methods=["POST"])
@requires("workorders.work")
def work_timer(work_order_id: int):
    """Start or stop my timer (?do=start|stop): kept on the server, it runs on while the
    phone is off or the page closed."""
    found = _workable(work_order_id)
    form = TimerForm()
    starting = request.form.get("do") == "start"
    if form.validate_on_submit():
        try:
            if starting:
                _entry, stopped = work_log.start_timer(found, by=current_user)
                if stopped is not None:
                    flash(_("Your timer on %(reference)s was stopped.",
                            reference=stopped.reference), "info")
                flash(_("Timer started."), "success")
            else:
                entry = work_log.stop_timer(found, by=current_user)
                flash(_("Timer stopped: %(time)s.", time=work_log.minutes_text(entry.minutes)),
                      "success")
        except DomainError as error:
            flash(str(error), "warning")
    return _back(found, "#labour")


@bp.route("/work-orders/<int:work_order_id>/hours", methods=["POST"])
@requires("workorders.work")
@idempotent
def work_hours(work_order_id: int):
    found = _workable(work_order_id)
    form = HoursForm()
    if form.validate_on_submit() and apply(form, work_log.log_hours, found,
                                           hours=form.hours.data, worked_on=form.worked_on.data,
                                           note=form.note.data, by=current_user):
        flash(_("Hours logged."), "success")
        return _back(found, "#labour")
    return work_order_page(found, status=422, hours_form=form)


@bp.route("/work-orders/<int:work_order_id>/downtime", methods=["POST"])
@requires("workorders.work")
@idempotent
def work_downtime(work_order_id: int):
    found = _workable(work_order_id)
    form = DowntimeForm()
    zone = found.site.timezone
    if form.validate_on_submit() and apply(
            form, work_log.log_downtime, found,
            started_at=local_to_utc(form.down_from.data, zone),
            ended_at=local_to_utc(form.down_until.data, zone) if form.down_until.data
            else None, by=current_user):
        flash(_("Downtime logged."), "success")
        return _back(found, "#downtime")
    return work_order_page(found, status=422, downtime_form=form)


@bp.route("/work-orders/<int:work_order_id>/photos", methods=["POST"])
@requires("workorders.work")
@idempotent
def work_photo(work_order_id: int):
    found = _workable(work_order_id)
    form = WorkPhotoForm()
    if form.validate_on_submit() and apply(form, work_log.add_photo, found, form.photo.data,
                                           stage=form.stage.data, field="photo",
                                           by=current_user):
        flash(_("Photo added."), "success")
        return _back(found, "#photos")
    return work_order_page(found, status=422, photo_form=form)


@bp.route("/work-orders/<int:work_order_id>/sign-off", methods=["POST"])
@requires("workorders.view")
@idempotent
def work_sign_off(work_order_id: int):
    """Verified and closed with a signature drawn on the screen (htmx: drawing needs
    JavaScript): the page again, with the error when there was one."""
    found = queries.get_work_order(current_user, work_order_id)
    try:
        work_orders.sign_off(found, drawn_png(request.form.get("signature", "")),
                             by=current_user)
    except DomainError as error:
        flash(str(error), "error")
        return work_order_page(found, status=422)
    flash(_("%(reference)s is now: %(status)s", reference=found.reference,
            status=WORK_STATUS_LABELS[found.status]), "success")
    response = make_response("", 204)
    response.headers["HX-Location"] = url_for("maintenance.work_order", work_order_id=found.id)
    return response


# --- skills and sign-off settings ----------------------------------------------------------------

@bp.route("/skills")
@requires("workorders.manage")
def skills():
    people = db.session.scalars(queries.technicians_of_my_sites(current_user)).all()
    have = queries.skills_by_person([person.id for person in people])
    return render_page("maintenance/skills.html", people=people, forms={
        person.id: SkillsForm(formdata=None, prefix=f"u{person.id}",
                              data={"skills": have.get(person.id, [])}) for person in people})


@bp.route("/skills/<int:user_id>", methods=["POST"])
@requires("workorders.manage")
def skills_save(user_id: int):
    person = db.session.scalar(queries.people_of_my_sites(current_user, active_only=False)
                               .where(User.id == user_id))
    if person is None:
        abort(404)
    form = SkillsForm(prefix=f"u{person.id}")
    if form.validate_on_submit() and apply(form, work_orders.set_skills, person,
                                           form.skills.data or [], field="skills",
                                           by=current_user):
        flash(_("Skills of %(name)s saved.", name=person.name), "success")
    for error in form.skills.errors:
        flash(str(error), "error")
    return redirect(url_for("maintenance.skills"), 303)


@bp.route("/sign-off", methods=["POST"])
@requires("maintenance.lists")
def sign_off_rules():
    form = SignOffForm()
    if form.validate_on_submit() and apply(form, work_orders.set_sign_off,
                                           form.kinds.data or [], field="kinds",
                                           by=current_user):
        flash(_("Sign-off settings saved."), "success")
    for error in form.kinds.errors:
        flash(str(error), "error")
    return redirect(url_for("maintenance.lists", _anchor="sign-off"), 303)
