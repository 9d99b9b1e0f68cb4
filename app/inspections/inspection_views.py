"""Inspections: start one (ad hoc or from a location's page), answer it one question at a time,
complete it; the list of mine and of my sites.

Each section of the checklist is a form whose fields are named after their question
(`answer-<key>`, `note-<key>`, `photo-<key>`). With htmx each answer is sent alone as soon as
it changes and comes back as the question's part of the page (`#q-<key>`), with its follow-ups
and the progress bar swapped out of band; without JavaScript the section's Save button sends
the whole section and the page comes back at that section, its follow-ups shown.
"""

import uuid
from datetime import date

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.actions.models import STATUS_LABELS as ACTION_STATUS_LABELS
from app.core.attachments import drawn_png
from app.core.csv_export import csv_response
from app.core.domain import DomainError
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.pagination import keyset_page
from app.core.params import date_arg, int_arg, text_arg
from app.core.permissions import requires
from app.core.render import is_fragment_request, render_page
from app.core.timeline import events_of
from app.extensions import db
from app.inspections import answers, bp, exports, pdf, policy, queries, scoring
from app.inspections.forms import CompleteForm, ReopenForm, StartForm
from app.inspections.models import (
    ANSWER_LABELS,
    INSPECTION_STATUS_LABELS,
    ChecklistTemplate,
    localized,
    translated_words,
)
from app.sites import queries as site_queries

LABELS = {"status_labels": INSPECTION_STATUS_LABELS, "answer_labels": ANSWER_LABELS}


def _history_filters() -> queries.HistoryFilters:
    """The list's filters from the query string: mine, or all at my sites (everyone who sees
    inspections sees those of their sites), narrowed by site, checklist, inspector,
    location, status, result and a range of days."""
    return queries.HistoryFilters(
        mine=text_arg("scope") != "all", status=text_arg("status"), result=text_arg("result"),
        site_id=int_arg("site"), template_id=int_arg("template"),
        inspector_id=int_arg("inspector"), location_id=int_arg("location"),
        since=date_arg("since"), until=date_arg("until"), timezone=current_user.timezone)


@bp.route("/")
@requires("inspections.view")
def index():
    filters = _history_filters()
    page = keyset_page(queries.inspection_list(current_user, filters),
                       *queries.INSPECTION_ORDER)
    unfinished = db.session.scalars(queries.my_open_inspections(current_user)).all() \
        if filters.mine else []
    return render_page("inspections/index.html", "inspection_results", page=page,
                       filters=filters, unfinished=unfinished, options=_filter_options(),
                       query=_query_of(filters), **{
                           **LABELS,  # its words translated once, not once a row
                           "status_labels": {k: str(v) for k, v in
                                             INSPECTION_STATUS_LABELS.items()},
                           "results": {True: _("Passed"), False: _("Failed")}})


def _filter_options() -> dict:
    """The menus of the history's filters: my sites, the checklists I see, the people of my
    sites who inspect (one query, whatever the number of sites)."""
    from app.auth.models import User, user_site
    from app.core.permissions import PERMISSIONS

    sites = db.session.execute(site_queries.site_options(current_user)).all()
    inspecting = PERMISSIONS["inspections.inspect"]
    people = db.session.execute(
        select(User.id, User.name, User.roles).join(user_site, user_site.c.user_id == User.id)
        .where(user_site.c.site_id.in_([site_id for site_id, _name in sites]), User.active)
        .distinct().order_by(User.name).limit(MAX_PEOPLE)).all()
    templates = db.session.execute(queries.visible(
        select(ChecklistTemplate.id, ChecklistTemplate.title, ChecklistTemplate.title_zh)
        .order_by(ChecklistTemplate.title), current_user)).all()
    return {"sites": sites,
            "people": [(p.id, p.name) for p in people if set(p.roles.split()) & inspecting],
            "templates": [(t.id, localized(t.title, t.title_zh)) for t in templates]}


MAX_PEOPLE = 500  # a menu longer than this is no use: the inspector's own page filters too


def _query_of(filters: queries.HistoryFilters) -> dict:
    """The filters as query-string values (for the CSV link and the pager)."""
    values = {"scope": None if filters.mine else "all", "status": filters.status or None,
              "result": filters.result or None, "site": filters.site_id,
              "template": filters.template_id, "inspector": filters.inspector_id,
              "location": filters.location_id,
              "since": filters.since.isoformat() if filters.since else None,
              "until": filters.until.isoformat() if filters.until else None}
    return {key: value for key, value in values.items() if value}


@bp.route("/answers.csv")
@requires("inspections.view")
def answers_csv():
    """Every answer of the inspections the list's filters find, one row each, streamed."""
    filters = _history_filters()
    return csv_response(f"inspection-answers-{date.today().isoformat()}.csv",
                        exports.header(), exports.answer_rows(current_user, filters))


@bp.route("/start", methods=["GET", "POST"])
@requires("inspections.inspect")
@idempotent
def start():
    """Choose a checklist and a location (?location=<public id> from a location's page)."""
    location = None
    if public_id := text_arg("location", 40):
        location = site_queries.get_location(current_user, _uuid_or_404(public_id))
    form = StartForm(user=current_user, location=location, site_id=int_arg("site"))
    if form.validate_on_submit():
        inspection = apply(form, answers.start, **form.start(), field="template",
                           by=current_user)
        if inspection:
            return redirect(url_for("inspections.inspection", inspection_id=inspection.id), 303)
    return render_page("inspections/start.html", status=422 if form.errors else 200,
                       form=form, location=location)


def _uuid_or_404(text: str):
    try:
        return uuid.UUID(text)
    except ValueError:
        abort(404)


# --- answering -----------------------------------------------------------------------------------

def _answering_context(inspection, **more) -> dict:
    """What the answering page and its parts need: answers, photos, what is shown."""
    version = inspection.version
    rows = {a.question_key: a for a in inspection.answers}
    values = {key: row.value for key, row in rows.items()}
    shown = {q.key for q in scoring.shown_questions(version, values)}
    photos = queries.photos_by_question(inspection)
    needs = answers.missing(inspection, {k: len(v) for k, v in photos.items()})
    required = [q for q in version.questions if q.key in shown and q.required
                and q.kind != "instruction"]
    done = [q for q in required if rows.get(q.key) is not None and
            rows[q.key].value is not None]
    failed = [q for q in version.questions if q.key in shown and rows.get(q.key) is not None
              and rows[q.key].failed]
    return {"inspection": inspection, "version": version, "rows": rows, "shown": shown,
            "failed_questions": failed, "fresh_key": lambda: uuid.uuid4().hex,
            "photos": photos, "needs": needs, "progress": (len(done), len(required)),
            "may_answer": policy.may_answer(current_user, inspection),
            "is_failure": scoring.is_failure,
            "prompts": {q.key: q.label for q in version.questions},
            "followers": _followers(version), "complete_form": CompleteForm(formdata=None),
            "errors": {}, "words": translated_words(),
            **LABELS, **more}


def _followers(version) -> dict[str, list]:
    followers: dict[str, list] = {}
    for question in version.questions:
        if question.show_if_key:
            followers.setdefault(question.show_if_key, []).append(question)
    return followers


@bp.route("/<int:inspection_id>")
@requires("inspections.view")
def inspection(inspection_id: int):
    """Being answered: the checklist to answer; completed: its report."""
    inspection = queries.get_inspection(current_user, inspection_id)
    if inspection.is_open:
        return render_page("inspections/answering.html", **_answering_context(inspection))
    return _report(inspection)


def _report_context(inspection, **more) -> dict:
    """What the report shows, on its page and in its PDF: the answers and the actions."""
    return _answering_context(
        inspection, actions=db.session.scalars(queries.actions_raised(inspection)).all(),
        action_status_labels=ACTION_STATUS_LABELS, **more)


def _report(inspection, status: int = 200, reopen_form=None):
    return render_page("inspections/report.html", status=status, **_report_context(
        inspection, may_reopen=policy.may_reopen(current_user, inspection),
        reopen_form=reopen_form or ReopenForm(formdata=None),
        events=db.session.scalars(events_of("inspection", inspection.id)).all()))


@bp.route("/<int:inspection_id>/report.pdf")
@requires("inspections.view")
def report_pdf(inspection_id: int):
    """The report as a PDF: made only here, when asked for (WeasyPrint is slow)."""
    inspection = queries.get_inspection(current_user, inspection_id)
    if inspection.is_open:
        return redirect(url_for("inspections.inspection", inspection_id=inspection.id), 303)
    html = render_template("inspections/report_pdf.html", **_report_context(inspection))
    try:
        document = pdf.render(html, current_user)
    except pdf.PdfUnavailable as error:
        flash(str(error), "error")
        return _report(inspection, status=503)
    response = make_response(document)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{inspection.reference}.pdf"'
    return response


@bp.route("/<int:inspection_id>/reopen", methods=["POST"])
@requires("inspections.build")
def reopen(inspection_id: int):
    inspection = queries.get_inspection(current_user, inspection_id)
    form = ReopenForm()
    if form.validate_on_submit() and apply(form, answers.reopen, inspection,
                                           reason=form.reason.data, field="reason",
                                           by=current_user):
        flash(_("%(reference)s is open again: answer it, then complete it.",
                reference=inspection.reference), "success")
        return redirect(url_for("inspections.inspection", inspection_id=inspection.id), 303)
    if inspection.is_open:  # nothing to reopen: said on the page being answered
        for error in form.form_errors + form.reason.errors:
            flash(str(error), "error")
        return render_page("inspections/answering.html", status=422,
                           **_answering_context(inspection))
    return _report(inspection, status=422, reopen_form=form)


def _answerable(inspection_id: int):
    inspection = queries.get_inspection(current_user, inspection_id)
    if not policy.may_answer(current_user, inspection) and inspection.is_open:
        abort(403)
    return inspection


def _question_part(inspection, key: str, status: int = 200, **more):
    """After a save: the question's part, its follow-ups and the progress bar (htmx); the
    page at that question (without)."""
    if not is_fragment_request() and status < 400:
        return redirect(url_for("inspections.inspection", inspection_id=inspection.id) +
                        f"#q-{key}", 303)
    db.session.flush()
    context = _answering_context(inspection, **more)
    question = next(q for q in inspection.version.questions if q.key == key)
    template = "inspections/_answer_part.html" if is_fragment_request() else \
        "inspections/answering.html"
    return render_page(template, status=status, question=question, **context)


def _sent(key: str) -> tuple[str | list[str], str]:
    """What the form sent for a question: its answer (a list for several choices) and note."""
    raw = request.form.getlist(f"answer-{key}")
    return (raw if len(raw) > 1 else (raw[0] if raw else "")), request.form.get(f"note-{key}", "")


@bp.route("/<int:inspection_id>/answers/<key>", methods=["POST"])
@requires("inspections.inspect")
@idempotent
def answer(inspection_id: int, key: str):
    raw, note = _sent(key)
    return _save(inspection_id, key, answers.save_answer, raw=raw, note=note)


@bp.route("/<int:inspection_id>/sections/<int:section_number>", methods=["POST"])
@requires("inspections.inspect")
@idempotent
def answer_section(inspection_id: int, section_number: int):
    """A section's form without JavaScript: its answers and photos at once; the page again at
    that section, with what was refused beside its question and the rest saved."""
    inspection = _answerable(inspection_id)
    sections = inspection.version.sections
    if not 1 <= section_number <= len(sections):
        abort(404)
    section = sections[section_number - 1]
    sent = {q.key: _sent(q.key) for q in section.questions
            if f"answer-{q.key}" in request.form or f"note-{q.key}" in request.form}
    photos = {q.key: upload for q in section.questions
              if (upload := request.files.get(f"photo-{q.key}")) and upload.filename}
    at_section = url_for("inspections.inspection", inspection_id=inspection.id) + \
        f"#is-{section.id}"
    try:
        saved, refused = answers.save_section(inspection, section, sent=sent, photos=photos,
                                              by=current_user)
    except DomainError as error:  # completed meanwhile: nothing to answer
        flash(str(error), "error")
        return redirect(at_section, 303)
    if not refused:
        if saved:
            flash(_("Section saved."), "success")
        return redirect(at_section, 303)
    flash(_("Some answers were not saved: see what is said beside them."), "error")
    errors = {key: _refusal(key, error) for key, error in refused.items()}
    db.session.flush()
    # What was saved stays saved (200 commits it); nothing saved at all is a refusal.
    return render_page("inspections/answering.html", status=200 if saved else 422,
                       focus=next(iter(errors)), **_answering_context(inspection, errors=errors))


def _refusal(key: str, error: DomainError) -> dict:
    """A refused answer as the question's part shows it: the reason and what was sent."""
    return {"message": str(error), "sent": {"value": request.form.getlist(f"answer-{key}"),
                                            "note": request.form.get(f"note-{key}", "")}}


@bp.route("/<int:inspection_id>/answers/<key>/photos", methods=["POST"])
@requires("inspections.inspect")
@idempotent
def answer_photo(inspection_id: int, key: str):
    upload = request.files.get(f"photo-{key}")
    if upload is None or not upload.filename:
        return _refused_answer(_answerable(inspection_id), key,
                               DomainError(_("Choose a photo first.")))
    return _save(inspection_id, key, answers.add_photo, upload)


@bp.route("/<int:inspection_id>/signature", methods=["POST"])
@requires("inspections.inspect")
@idempotent
def signature(inspection_id: int):
    """A signature drawn on the screen, sent as a PNG data URL: the inspector's (no ?key=), or
    a signature question's answer."""
    key = text_arg("key", 12) or None
    inspection = _answerable(inspection_id)
    try:
        drawn = drawn_png(request.form.get(f"signature-{key}" if key else "signature", ""))
        answers.sign(inspection, key, drawn, by=current_user)
    except DomainError as error:
        if key is not None:
            return _refused_answer(inspection, key, error)
        return _signature_part(inspection, status=422, error=str(error))
    if key is not None:
        return _question_part(inspection, key)
    return _signature_part(inspection)


def _signature_part(inspection, status: int = 200, error: str = ""):
    """The signature section (htmx), or the page: at the signature, or again with the error."""
    if not is_fragment_request() and not error:
        return redirect(url_for("inspections.inspection", inspection_id=inspection.id) +
                        "#signature", 303)
    db.session.flush()
    template = "inspections/_signature.html" if is_fragment_request() else \
        "inspections/answering.html"
    return render_page(template, status=status, error=error, **_answering_context(inspection))


def _save(inspection_id: int, key: str, service, *args, **kwargs):
    """Run one answer's service: the question's part again, or what was wrong with it."""
    inspection = _answerable(inspection_id)
    try:
        service(inspection, key[:12], *args, by=current_user, **kwargs)
    except DomainError as error:
        return _refused_answer(inspection, key, error)
    return _question_part(inspection, key)


def _refused_answer(inspection, key: str, error: DomainError):
    """What was sent comes back with the reason, in the question's place; as a message when
    the question has no place on the page (hidden, unknown, or the inspection completed)."""
    db.session.rollback()
    inspection = queries.get_inspection(current_user, inspection.id)
    shown = {q.key for q in scoring.shown_questions(inspection.version,
                                                    inspection.answer_values())}
    if key not in shown or not inspection.is_open:
        flash(str(error), "error")
        if not is_fragment_request():
            return redirect(url_for("inspections.inspection", inspection_id=inspection.id), 303)
        response = make_response("", 422)  # the message alone, out of band (add_flash_oob)
        response.headers["HX-Reswap"] = "none"
        return response
    return _question_part(inspection, key, status=422, errors={key: _refusal(key, error)})


@bp.route("/<int:inspection_id>/complete", methods=["POST"])
@requires("inspections.inspect")
def complete(inspection_id: int):
    inspection = _answerable(inspection_id)
    form = CompleteForm()
    photos = queries.photos_by_question(inspection)
    if form.validate_on_submit() and (result := apply(
            form, answers.complete, inspection, by=current_user,
            photo_counts={k: len(v) for k, v in photos.items()})):
        flash(_("Inspection %(reference)s completed: %(result)s.",
                reference=inspection.reference,
                result=_("passed") if result.passed else _("failed")), "success")
        return redirect(url_for("inspections.inspection", inspection_id=inspection.id), 303)
    context = _answering_context(inspection, complete_form=form)
    first = context["needs"][0][0].key if context["needs"] else None
    return render_page("inspections/answering.html", status=422, focus=first, **context)
