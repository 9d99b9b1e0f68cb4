from datetime import time
from decimal import Decimal

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.queries import people_of_my_sites
from app.core import attachments
from app.core.attachments import attachments_for
from app.core.domain import DomainError
from app.core.forms import PhotoForm, apply
from app.core.idempotency import idempotent
from app.core.models import utcnow
from app.core.pagination import keyset_page
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, render_page
from app.core.sections import sections_for
from app.core.timeline import events_of
from app.extensions import db
from app.incidents import bp, policy, queries, service_levels, services
from app.incidents.forms import (
    CommentForm,
    PauseForm,
    ProcedureFileForm,
    ReportForm,
    StatusForm,
    TriageForm,
    TypeEditForm,
    TypeForm,
    as_uuid,
    location_choices,
    sla_form_class,
)
from app.incidents.models import (
    PRIORITY_LABELS,
    ROOT_CAUSE_LABELS,
    SEVERITIES,
    SEVERITY_LABELS,
    STATUS_LABELS,
    STATUSES,
    BusinessHours,
    IncidentType,
    ServiceRequest,
)
from app.sites import queries as site_queries
from app.sites.models import Location

LABELS = {"severity_labels": SEVERITY_LABELS, "status_labels": STATUS_LABELS,
          "priority_labels": PRIORITY_LABELS, "root_cause_labels": ROOT_CAUSE_LABELS}


# --- reporting ---------------------------------------------------------------------------------

def _location_from_args() -> Location | None:
    """?location=<public id> from a location's page or QR label; ignored when not visible."""
    public_id = as_uuid(text_arg("location", 40))
    if public_id is None:
        return None
    location = db.session.scalar(site_queries.location_by_public_id(public_id))
    return location if location and current_user.can_see_site(location.site_id) else None


@bp.route("/report", methods=["GET", "POST"])
@requires("incidents.report")
@idempotent
def report():
    form = ReportForm(user=current_user, location=_location_from_args())
    photos = attachments.chosen_files(form.photos)
    held = attachments.held(form.idempotency_key.data, keep=request.form.getlist("keep_photo"))
    if form.validate_on_submit() and (incident := apply(
            form, services.report, field="photos", photos=photos, held=held, by=current_user,
            **form.report())):
        flash(_("Reported as %(reference)s. Thank you.", reference=incident.reference),
              "success")
        return redirect(url_for("incidents.detail", incident_id=incident.id, reported=1), 303)
    if request.method == "POST":  # refused: the photos wait on the server for the next try
        held += attachments.hold(photos, form.idempotency_key.data, by=current_user)
    return form_page("incidents/report.html", form, form=form, held=held, **LABELS)


@bp.route("/report/locations")
@requires("incidents.report")
def report_locations():
    """The location menu for another site (htmx swaps it when the site changes)."""
    form = ReportForm(formdata=None, user=current_user)
    form.location.choices = location_choices(current_user, form.visible_site(int_arg("site")))
    return render_page("incidents/_location_field.html", form=form)


# --- lists and the incident page ----------------------------------------------------------------

@bp.route("/")
@requires("incidents.view")
def index():
    filters = {
        "search": text_arg("q"),
        "status": text_arg("status") if text_arg("status") in (*STATUSES, "open") else "",
        "type_id": int_arg("type"),
        "severity": text_arg("severity") if text_arg("severity") in SEVERITIES else "",
        "site_id": int_arg("site"),
        "assignee_id": int_arg("assignee"),
        "overdue": text_arg("overdue") == "1",
    }
    order, key_of = queries.incident_order(filters["search"])
    page = keyset_page(queries.incident_list(current_user, **filters), *order, key_of=key_of)
    return render_page("incidents/index.html", "incident_results", page=page, filters=filters,
                       type_options=[(t.id, t.label)
                                     for t in db.session.scalars(queries.all_types())],
                       sites=db.session.execute(site_queries.site_options(current_user)).all(),
                       statuses=STATUSES, severities=SEVERITIES, now=utcnow(),
                       assignees=db.session.execute(people_of_my_sites(current_user)).all()
                       if queries.sees_all_of_site(current_user) else [],
                       sla_flag=service_levels.sla_flag, **LABELS)


def _incident_photos(incident) -> list:
    """The incident's photos, and those the customer sent with the request it handles."""
    photos = list(db.session.scalars(attachments_for("incident", incident.id)))
    if incident.service_request_id:
        photos += db.session.scalars(attachments_for("servicerequest",
                                                     incident.service_request_id))
    return photos


def _detail_context(incident, *, triage_form=None, status_form=None, comment_form=None,
                    photo_form=None, pause_form=None):
    may_triage = policy.may_triage(current_user, incident)
    now = utcnow()
    context = {
        "timers": {which: service_levels.timer(incident, which, now)
                   for which in ("ack", "resolve")},
        "may_pause": policy.may_stop_the_clock(current_user, incident),
        "pause_form": pause_form or PauseForm(formdata=None),
        "incident": incident,
        "photos": _incident_photos(incident),
        "service_request": db.session.get(ServiceRequest, incident.service_request_id)
        if incident.service_request_id else None,
        "procedure_files": db.session.scalars(attachments_for(
            "incidenttype", incident.type_id)).all() if incident.severity == "critical" else [],
        "events": db.session.scalars(events_of("incident", incident.id)).all(),
        "sections": sections_for(incident, current_user),
        "moves": policy.allowed_moves(current_user, incident),
        "may_triage": may_triage,
        "may_open_request": policy.may_open_its_request(current_user, incident),
        "status_form": status_form or StatusForm(formdata=None),
        "comment_form": comment_form or CommentForm(formdata=None),
        "photo_form": photo_form or PhotoForm(formdata=None),
        "now": utcnow(),
        **LABELS,
    }
    if may_triage:
        context["triage_form"] = triage_form or TriageForm(formdata=None, incident=incident)
    return context


@bp.route("/<int:incident_id>")
@requires("incidents.view")
def detail(incident_id: int):
    incident = queries.get_incident(current_user, incident_id)
    return render_page("incidents/detail.html", "incident_timeline",
                       just_reported=request.args.get("reported") == "1",
                       **_detail_context(incident))


@bp.route("/<int:incident_id>/triage", methods=["POST"])
@requires("incidents.triage")
def triage(incident_id: int):
    incident = queries.get_incident(current_user, incident_id)
    form = TriageForm(incident=incident)
    if form.validate_on_submit():
        try:
            services.triage(incident, by=current_user, **form.changes())
        except DomainError as error:  # said as a message: the triage form is a side panel
            flash(str(error), "warning")
        else:
            flash(_("Triage saved."), "success")
        return redirect(url_for("incidents.detail", incident_id=incident.id), 303)
    return render_page("incidents/detail.html", status=422,
                       **_detail_context(incident, triage_form=form))


@bp.route("/<int:incident_id>/status", methods=["POST"])
@requires("incidents.view")
def change_status(incident_id: int):
    incident = queries.get_incident(current_user, incident_id)
    form = StatusForm()
    to_status = (request.form.get("to") or "")[:30]
    if form.validate_on_submit() and apply(
            form, services.change_status, incident, to_status, field="note", by=current_user,
            note=form.note.data, root_cause_category=form.root_cause_category.data,
            root_cause=form.root_cause.data):
        flash(_("%(reference)s is now: %(status)s", reference=incident.reference,
                status=STATUS_LABELS[incident.status]), "success")
        return redirect(url_for("incidents.detail", incident_id=incident.id), 303)
    return render_page("incidents/detail.html", status=422,
                       **_detail_context(incident, status_form=form))


@bp.route("/<int:incident_id>/comments", methods=["POST"])
@requires("incidents.view")
@idempotent
def comment(incident_id: int):
    incident = queries.get_incident(current_user, incident_id)
    form = CommentForm()
    if form.validate_on_submit() and apply(form, services.comment, incident,
                                           text=form.text.data, field="text", by=current_user):
        return redirect(url_for("incidents.detail", incident_id=incident.id) + "#timeline", 303)
    return render_page("incidents/detail.html", status=422,
                       **_detail_context(incident, comment_form=form))


@bp.route("/<int:incident_id>/photos", methods=["POST"])
@requires("incidents.view")
@idempotent
def add_photo(incident_id: int):
    incident = queries.get_incident(current_user, incident_id)
    form = PhotoForm()
    if form.validate_on_submit() and apply(form, services.add_photo, incident, form.photo.data,
                                           field="photo", by=current_user):
        flash(_("Photo added."), "success")
        return redirect(url_for("incidents.detail", incident_id=incident.id), 303)
    return render_page("incidents/detail.html", status=422,
                       **_detail_context(incident, photo_form=form))


# --- incident types (administrators) -------------------------------------------------------------

@bp.route("/types")
@requires("incidents.types")
def types():
    return render_page("incidents/types.html",
                       types=db.session.scalars(queries.all_types()).all())


@bp.route("/types/new", methods=["GET", "POST"])
@requires("incidents.types")
def type_new():
    form = TypeForm()
    if form.validate_on_submit() and (incident_type := apply(
            form, services.save_type, None, by=current_user, **_type_fields(form))):
        flash(_("Type %(name)s added.", name=incident_type.label), "success")
        return redirect(url_for("incidents.types"), 303)
    return form_page("incidents/type_form.html", form, form=form, incident_type=None)


@bp.route("/types/<int:type_id>/edit", methods=["GET", "POST"])
@requires("incidents.types")
def type_edit(type_id: int):
    incident_type = db.get_or_404(IncidentType, type_id)
    form = TypeEditForm(obj=incident_type)
    if form.validate_on_submit():
        services.save_type(incident_type, by=current_user, **_type_fields(form))
        flash(_("Type %(name)s saved.", name=incident_type.label), "success")
        return redirect(url_for("incidents.types"), 303)
    return _type_page(incident_type, form, status=422 if form.errors else 200)  # + file form


def _type_page(incident_type, form, file_form=None, status=200):
    return render_page("incidents/type_form.html", form=form, incident_type=incident_type,
                       file_form=file_form or ProcedureFileForm(formdata=None),
                       files=db.session.scalars(attachments_for("incidenttype",
                                                                incident_type.id)).all(),
                       status=status)


@bp.route("/types/<int:type_id>/files", methods=["POST"])
@requires("incidents.types")
@idempotent
def type_file(type_id: int):
    incident_type = db.get_or_404(IncidentType, type_id)
    file_form = ProcedureFileForm()
    if file_form.validate_on_submit() and apply(
            file_form, services.add_type_file, incident_type, file_form.file.data, field="file",
            by=current_user):
        flash(_("File added to %(name)s.", name=incident_type.label), "success")
        return redirect(url_for("incidents.type_edit", type_id=incident_type.id), 303)
    return _type_page(incident_type, TypeEditForm(obj=incident_type, formdata=None), file_form,
                      status=422)


def _type_fields(form) -> dict:
    fields = {name: getattr(form, name).data for name in (
        "name", "name_zh", "is_complaint", "skill_role", "emergency_procedure", "active")}
    if getattr(form, "code", None) is not None:
        fields["code"] = form.code.data
    return fields


# --- service levels ------------------------------------------------------------------------------

@bp.route("/<int:incident_id>/pause", methods=["POST"])
@requires("incidents.view")
def pause(incident_id: int):
    incident = queries.get_incident(current_user, incident_id)
    if not policy.may_stop_the_clock(current_user, incident):
        abort(403)
    form = PauseForm()
    if form.validate_on_submit() and apply(form, service_levels.pause, incident, field="reason",
                                           reason=form.reason.data, by=current_user):
        flash(_("The SLA clock is paused."), "success")
        return redirect(url_for("incidents.detail", incident_id=incident.id), 303)
    return render_page("incidents/detail.html", status=422,
                       **_detail_context(incident, pause_form=form))


@bp.route("/<int:incident_id>/resume", methods=["POST"])
@requires("incidents.view")
def resume(incident_id: int):
    incident = queries.get_incident(current_user, incident_id)
    if not policy.may_stop_the_clock(current_user, incident):
        abort(403)
    try:
        service_levels.resume(incident, by=current_user)
    except DomainError as error:
        flash(str(error), "warning")
    else:
        flash(_("The SLA clock runs again."), "success")
    return redirect(url_for("incidents.detail", incident_id=incident.id), 303)


def _sla_data(site) -> dict:
    data = {}
    for severity in SEVERITIES:
        ack, resolve, business = service_levels.policy_for(site.id, severity)
        data |= {f"{severity}_ack": ack, f"{severity}_resolve": Decimal(resolve) / 60,
                 f"{severity}_business": business}
    hours = db.session.get(BusinessHours, site.id)
    hours = hours or BusinessHours(days="0,1,2,3,4", opens=time(8), closes=time(18))
    data |= {"days": hours.days.split(","), "opens": hours.opens, "closes": hours.closes}
    return data


@bp.route("/sla/<int:site_id>", methods=["GET", "POST"])
@requires("incidents.triage")
def sla_settings(site_id: int):
    site = site_queries.get_site(current_user, site_id)
    form = sla_form_class()(data=_sla_data(site))
    if form.validate_on_submit():
        service_levels.save_sla_settings(site, days=form.working_days(), opens=form.opens.data,
                                   closes=form.closes.data, policies=form.policies(),
                                   by=current_user)
        flash(_("Service levels of %(site)s saved. They apply to incidents reported from now on.",
                site=site.name), "success")
        return redirect(url_for("incidents.sla_settings", site_id=site.id), 303)
    return form_page("incidents/sla.html", form, form=form, site=site, severities=SEVERITIES,
                     **LABELS)
