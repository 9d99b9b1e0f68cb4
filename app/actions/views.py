from datetime import date, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actions import bp, policy, queries, services, sources
from app.actions.forms import ActionCommentForm, ActionEditForm, ActionForm, NoteForm, VerifyForm
from app.actions.models import PRIORITY_LABELS, STATUS_LABELS, STATUSES
from app.auth.models import User
from app.auth.queries import people_of_my_sites
from app.core.forms import apply
from app.core.i18n import utc_to_local
from app.core.idempotency import idempotent
from app.core.models import utcnow
from app.core.pagination import keyset_page
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, render_page
from app.core.timeline import events_of
from app.extensions import db
from app.sites import queries as site_queries

LABELS = {"status_labels": STATUS_LABELS, "priority_labels": PRIORITY_LABELS}


def _today() -> date:
    """Today where the user works (due dates are calendar days at the site)."""
    return utc_to_local(utcnow(), current_user.timezone).date()


@bp.route("/")
@requires("actions.view")
def index():
    manager = current_user.is_manager
    filters = {
        "mine": not manager or text_arg("scope") != "all",
        "status": text_arg("status") if text_arg("status") in (*STATUSES, "open") else "open",
        "source_type": text_arg("source") if text_arg("source") in sources.kinds() else "",
        "owner_id": int_arg("owner") if manager else None,
        "overdue": text_arg("overdue") == "1",
        "search": text_arg("q"),
    }
    order, key_of = queries.action_order(filters["status"], filters["search"])
    page = keyset_page(queries.action_list(current_user, today=_today(), **filters), *order,
                       key_of=key_of)
    owners = db.session.execute(people_of_my_sites(current_user)).all() if manager else []
    return render_page("actions/index.html", "action_results", page=page, filters=filters,
                       manager=manager, today=_today(), statuses=STATUSES, owners=owners,
                       source_types=sources.kinds(), source_labels=sources.labels(),
                       **LABELS)


def _source_from_args():
    """?incident=<id> (any registered kind): the action is raised from that record, of the
    same site; 404 when the user may not open it."""
    for kind in sources.kinds()[1:]:
        if record_id := int_arg(kind):
            return sources.load(kind, current_user, record_id)
    return None


@bp.route("/new", methods=["GET", "POST"])
@requires("actions.manage")
@idempotent
def new():
    source = _source_from_args()
    form = ActionForm(user=current_user, source=source)
    if request.method == "GET":
        form.due_date.data = _today() + timedelta(days=7)
        if source is not None:
            form.title.data = _("Prevent a repeat of %(reference)s", reference=source.reference)
    if form.validate_on_submit():
        site_queries.get_site(current_user, form.site.data)
        action = services.raise_action(
            source, site_id=form.site.data, title=form.title.data,
            description=form.description.data, owner=db.session.get(User, form.owner.data),
            due_date=form.due_date.data, priority=form.priority.data, by=current_user)
        flash(_("Action %(reference)s raised.", reference=action.reference), "success")
        return redirect(url_for("actions.detail", action_id=action.id), 303)
    return form_page("actions/form.html", form, form=form, action=None, source=source)


def _detail(action, status=200, **forms):
    return render_page(
        "actions/detail.html", status=status, action=action,
        may_edit=policy.may_edit(current_user, action),
        may_work_on=policy.may_work_on(current_user, action),
        may_verify=policy.may_verify(current_user, action),
        events=db.session.scalars(events_of("action", action.id)).all(), today=_today(),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        verify_form=forms.get("verify_form") or VerifyForm(formdata=None),
        comment_form=forms.get("comment_form") or ActionCommentForm(formdata=None),
        source_labels=sources.labels(),
        source_url=sources.url_of(action.source_type, action.source_id),
        source_panel=sources.panel_of(action.source_type, current_user, action.source_id),
        **LABELS)


@bp.route("/<int:action_id>")
@requires("actions.view")
def detail(action_id: int):
    return _detail(queries.get_action(current_user, action_id))


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
@requires("actions.manage")
def edit(action_id: int):
    action = queries.get_action(current_user, action_id)
    form = ActionEditForm(action=action, data={
        "title": action.title, "description": action.description, "owner": action.owner_id,
        "due_date": action.due_date, "priority": action.priority})
    if form.validate_on_submit():
        services.update(action, title=form.title.data, description=form.description.data,
                        owner=db.session.get(User, form.owner.data), due_date=form.due_date.data,
                        priority=form.priority.data, by=current_user)
        flash(_("Action saved."), "success")
        return redirect(url_for("actions.detail", action_id=action.id), 303)
    return form_page("actions/form.html", form, form=form, action=action, source=None)


def _moved(action):
    """After a change of status: say so, and show the action again."""
    flash(_("%(reference)s is now: %(status)s", reference=action.reference,
            status=STATUS_LABELS[action.status]), "success")
    return redirect(url_for("actions.detail", action_id=action.id), 303)


@bp.route("/<int:action_id>/progress", methods=["POST"])
@requires("actions.view")
def progress(action_id: int):
    """The owner (or a manager) starts it or marks it done."""
    action = queries.get_action(current_user, action_id)
    if not (action.owner_id == current_user.id or current_user.is_manager):
        abort(403)  # policy.may_work_on, but a closed action answers with its own message
    form = NoteForm()
    if form.validate_on_submit() and (
            apply(form, services.start, action, field="note", by=current_user)
            if request.form.get("to") == "in_progress" else
            apply(form, services.complete, action, field="note", note=form.note.data,
                  by=current_user)):
        return _moved(action)
    return _detail(action, status=422, note_form=form)


@bp.route("/<int:action_id>/verify", methods=["POST"])
@requires("actions.manage")
def verify(action_id: int):
    action = queries.get_action(current_user, action_id)
    form = VerifyForm()
    if form.validate_on_submit() and apply(
            form, services.verify, action, field="note", effective=form.effective.data == "yes",
            note=form.note.data, by=current_user):
        return _moved(action)
    return _detail(action, status=422, verify_form=form)


@bp.route("/<int:action_id>/comments", methods=["POST"])
@requires("actions.view")
@idempotent
def comment(action_id: int):
    action = queries.get_action(current_user, action_id)
    form = ActionCommentForm()
    if form.validate_on_submit() and apply(form, services.comment, action, text=form.text.data,
                                           field="text", by=current_user):
        return redirect(url_for("actions.detail", action_id=action.id) + "#timeline", 303)
    return _detail(action, status=422, comment_form=form)
