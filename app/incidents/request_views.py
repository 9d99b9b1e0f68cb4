"""Service requests: the public page and status link (no account), and the staff side."""


from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import attachments
from app.core.attachments import attachments_for
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.pagination import keyset_page
from app.core.params import text_arg
from app.core.permissions import public, requires, user_can
from app.core.render import form_page, render_page
from app.core.throttle import limited
from app.extensions import db
from app.incidents import bp, customer_requests, queries
from app.incidents.forms import (
    ConvertForm,
    PublicRequestForm,
    RatingForm,
    RequestAnswerForm,
    StaffRequestForm,
)
from app.incidents.models import (
    CHANNEL_LABELS,
    REQUEST_KINDS,
    REQUEST_STATUS_LABELS,
    REQUEST_STATUSES,
    IncidentType,
)
from app.sites import queries as site_queries
from app.sites.models import Site
from app.sites.qr import absolute_url, qr_svg

MAX_PHOTOS = 3
LABELS = {"channel_labels": CHANNEL_LABELS, "kind_labels": REQUEST_KINDS,
          "request_status_labels": REQUEST_STATUS_LABELS}


def _public_site(code: str) -> Site:
    site = db.session.scalar(site_queries.active_site_by_code(code))
    if site is None:
        abort(404)
    return site


@bp.route("/r/<code>", methods=["GET", "POST"])
@public
@limited("public-request", "PUBLIC_REQUEST_LIMIT")
@idempotent
def public_request(code: str):
    site = _public_site(code)
    form = PublicRequestForm(site=site)
    held = attachments.held(form.idempotency_key.data,
                            keep=request.form.getlist("keep_photo"))[:MAX_PHOTOS]
    photos = attachments.chosen_files(form.photos)[:MAX_PHOTOS - len(held)]
    if form.validate_on_submit() and (sent := apply(
            form, customer_requests.submit_request, field="photos", site=site,
            channel="qr" if text_arg("via") == "qr" else "web", photos=photos, held=held,
            **form.request())):
        return redirect(url_for("incidents.request_status", token=sent[1], sent=1), 303)
    if request.method == "POST":  # refused: the photos wait on the server for the next try
        held += attachments.hold(photos, form.idempotency_key.data, by=None)
    return form_page("incidents/public_request.html", form, form=form, site=site, held=held)


@bp.route("/r/status/<token>", methods=["GET", "POST"])
@public
@limited("public-request", "PUBLIC_REQUEST_LIMIT")
def request_status(token: str):
    request_ = queries.request_by_token(token[:100])
    if request_ is None:
        abort(404)
    form = RatingForm()
    if form.validate_on_submit() and apply(
            form, customer_requests.rate_request, request_, field="rating", rating=form.rating.data,
            comment=form.comment.data):
        return redirect(url_for("incidents.request_status", token=token, rated=1), 303)
    return form_page("incidents/request_status.html", form, request_=request_, form=form,
                     just_sent=request.args.get("sent") == "1",
                     just_rated=request.args.get("rated") == "1",
                     statuses=("new", "in_progress", "resolved"), **LABELS)


# --- staff -------------------------------------------------------------------------------------

@bp.route("/requests/new", methods=["GET", "POST"])
@requires("incidents.report")
@idempotent
def request_new():
    form = StaffRequestForm(user=current_user)
    if form.validate_on_submit() and (logged := apply(
            form, customer_requests.submit_request, field="photos",
            site=site_queries.get_site(current_user, form.site.data), channel=form.channel.data,
            photos=attachments.chosen_files(form.photos)[:MAX_PHOTOS], by=current_user,
            **form.request())):
        request_, _token = logged
        flash(_("Request %(reference)s logged.", reference=request_.reference), "success")
        return redirect(url_for("incidents.requests" if user_can(
            current_user, "requests.manage") else "dashboard.home"), 303)
    return form_page("incidents/request_form.html", form, form=form)


@bp.route("/requests")
@requires("requests.manage")
def requests():
    filters = {"status": text_arg("status") if text_arg("status") in REQUEST_STATUSES else "",
               "channel": text_arg("channel") if text_arg("channel") in CHANNEL_LABELS else "",
               "kind": text_arg("kind") if text_arg("kind") in REQUEST_KINDS else "",
               "search": text_arg("q")}
    order, key_of = queries.request_order(filters["search"])
    page = keyset_page(queries.request_list(current_user, **filters), *order, key_of=key_of)
    return render_page("incidents/requests.html", "request_results", page=page,
                       filters=filters, statuses=REQUEST_STATUSES,
                       sites=db.session.scalars(site_queries.visible_sites(current_user)
                                                .limit(20)).all(), **LABELS)


def _request_page(request_, status=200, **forms):
    convert_form = forms.get("convert_form") or ConvertForm(formdata=None)
    if request_.kind == "complaint" and not forms.get("convert_form"):
        convert_form.type.data = db.session.scalar(queries.type_id_of("customer_complaint"))
    return render_page(
        "incidents/request_detail.html", status=status, request_=request_,
        photos=db.session.scalars(attachments_for("servicerequest", request_.id)).all(),
        convert_form=convert_form,
        answer_form=forms.get("answer_form") or RequestAnswerForm(formdata=None), **LABELS)


@bp.route("/requests/<int:request_id>")
@requires("requests.manage")
def request_detail(request_id: int):
    return _request_page(queries.get_request(current_user, request_id))


@bp.route("/requests/<int:request_id>/convert", methods=["POST"])
@requires("requests.manage")
def request_convert(request_id: int):
    request_ = queries.get_request(current_user, request_id)
    form = ConvertForm()
    if form.validate_on_submit() and (incident := apply(
            form, customer_requests.convert_to_incident, request_, field="type",
            incident_type=db.session.get(IncidentType, form.type.data),
            severity=form.severity.data, by=current_user)):
        flash(_("%(request)s is handled as %(incident)s.", request=request_.reference,
                incident=incident.reference), "success")
        return redirect(url_for("incidents.detail", incident_id=incident.id), 303)
    return _request_page(request_, status=422, convert_form=form)


@bp.route("/requests/<int:request_id>/answer", methods=["POST"])
@requires("requests.manage")
def request_answer(request_id: int):
    request_ = queries.get_request(current_user, request_id)
    form = RequestAnswerForm()
    closing = "rejected" if request.form.get("to") == "rejected" else "resolved"
    if form.validate_on_submit() and apply(form, customer_requests.close_request, request_,
                                           field="note", status=closing, note=form.note.data,
                                           by=current_user):
        flash(_("%(reference)s answered.", reference=request_.reference), "success")
        return redirect(url_for("incidents.request_detail", request_id=request_.id), 303)
    return _request_page(request_, status=422, answer_form=form)


@bp.route("/requests/poster/<int:site_id>")
@requires("requests.manage")
def request_poster(site_id: int):
    site = site_queries.get_site(current_user, site_id)
    url = absolute_url("incidents.public_request", code=site.code, via="qr")
    return render_page("incidents/poster.html", site=site, url=url,
                       qr=qr_svg(url).decode())

