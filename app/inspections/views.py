"""Checklist templates: list, builder, versions, preview, response sets.

The builder works as plain forms (each answers 303 back to the builder, at the changed part)
and, with htmx, swaps only the changed part: a question, a section, or the outline when a
change moves things between sections (`_changed_part`).
"""

import json
import math
import uuid

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block

from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.pagination import paginate
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, is_fragment_request, render_page
from app.extensions import db
from app.inspections import bp, documents, policy, queries, scoring, services
from app.inspections.forms import (
    DraftSettingsForm,
    ImportForm,
    MoveForm,
    NewSectionForm,
    PublishForm,
    QuestionForm,
    ResponseSetForm,
    SectionForm,
    TemplateForm,
)
from app.inspections.models import (
    ANSWER_LABELS,
    KIND_LABELS,
    TEMPLATE_STATUS_LABELS,
    TEMPLATE_STATUSES,
    answer_label,
    translated_words,
)
from app.sites.queries import site_options

LABELS = {"kind_labels": KIND_LABELS, "answer_labels": ANSWER_LABELS,
          "status_labels": TEMPLATE_STATUS_LABELS}


@bp.route("/templates")
@requires("inspections.view")
def templates():
    filters = {"search": text_arg("q"), "site_id": int_arg("site"),
               "status": text_arg("status") if text_arg("status") in TEMPLATE_STATUSES else ""}
    page = paginate(queries.template_list(current_user, **filters))
    return render_page("inspections/templates.html", "template_results", page=page,
                       filters=filters, statuses=TEMPLATE_STATUSES,
                       sites=db.session.execute(site_options(current_user)).all(), **LABELS)


@bp.route("/templates/new", methods=["GET", "POST"])
@requires("inspections.build")
@idempotent
def template_new():
    form = TemplateForm(user=current_user)
    if form.validate_on_submit():
        template = apply(form, services.create_template, **form.settings(), by=current_user)
        if template:
            flash(_("Checklist created: add its sections and questions."), "success")
            return redirect(url_for("inspections.builder", template_id=template.id), 303)
    return form_page("inspections/template_new.html", form, form=form)


def _buildable(template_id: int, whole_draft: bool = False):
    template = queries.get_template(current_user, template_id, whole_draft=whole_draft)
    if not policy.may_build(current_user, template):
        abort(403)
    return template


@bp.route("/templates/<int:template_id>")
@requires("inspections.view")
def template(template_id: int):
    template = queries.get_template(current_user, template_id)
    return render_page("inspections/template.html", checklist=template,
                       may_build=policy.may_build(current_user, template), **LABELS)


# --- the builder ---------------------------------------------------------------------------------

def _builder(template, status=200, errors=None, editing=None, **forms):
    """The builder page; `errors` maps ("question", id) / ("section", id) / ("add", id) to a
    form that failed, shown in its place with what was typed."""
    draft = template.draft
    return render_page(
        "inspections/builder.html", status=status, checklist=template, draft=draft,
        errors=errors or {}, editing=editing,
        publish_form=forms.get("publish_form") or PublishForm(formdata=None),
        **{**_piece_context(draft), **({"section_form": forms["section_form"]}
                                       if "section_form" in forms else {})})


def _piece_context(draft) -> dict:
    """What the builder's pieces (_section.html, _question.html) need, page or fragment."""
    prompts = {q.key: q.label for q in draft.questions}
    by_key = {q.key: q for q in draft.questions}

    return {"question_form": lambda q: _question_form(draft, q, formdata=None),
            "section_title_form": lambda s: _section_form(s, formdata=None),
            "prompts": prompts, "words": translated_words(),
            "answer_label": lambda q: answer_label(by_key.get(q.show_if_key), q.show_if_value),
            "fresh_key": lambda: uuid.uuid4().hex,
            "section_form": NewSectionForm(formdata=None, prefix="section"), **LABELS}


def _question_form(draft, question, *, section=None, **kwargs):
    """Each question's form has its own prefix: many of them share the builder page."""
    prefix = f"q{question.id}" if question is not None else f"new{section.id}"
    return QuestionForm(draft=draft, question=question, obj=_shown(question, kwargs),
                        prefix=prefix, **kwargs)


def _section_form(section, **kwargs):
    return SectionForm(obj=_shown(section, kwargs), prefix=f"s{section.id}", **kwargs)


def _shown(record, form_kwargs):
    """The record a form starts from when it is shown; a posted form holds only what was
    posted (a field left out is empty, not the saved value)."""
    posted = request.method == "POST" and form_kwargs.get("formdata", request.form) is not None
    return None if posted else record


def _settings_form(template, formdata=None):
    draft = template.draft
    form = DraftSettingsForm(formdata=formdata, user=current_user, data=None if formdata else {
        "title": draft.title, "title_zh": draft.title_zh, "description": draft.description,
        "description_zh": draft.description_zh, "pass_threshold": draft.pass_threshold,
        "used_at": "all" if template.all_sites else "chosen",
        "sites": [site.id for site in template.sites]})
    return form


@bp.route("/templates/<int:template_id>/builder")
@requires("inspections.build")
def builder(template_id: int):
    template = _buildable(template_id, whole_draft=True)
    if template.draft is None or template.archived_at is not None:
        return redirect(url_for("inspections.template", template_id=template.id), 303)
    return _builder(template, editing=int_arg("edit"))


def _draft_template(template_id: int):
    """The template, when the user may build it and it has a draft to edit."""
    template = _buildable(template_id)
    if template.draft is None or template.archived_at is not None:
        flash(_("This checklist has no draft to change: start a new draft first."), "error")
        abort(redirect(url_for("inspections.template", template_id=template.id), 303))
    return template


def _changed_part(template, *, piece: str = "outline", record=None, status: int = 200,
                  anchor: str = "", **extra):
    """After a builder change: with htmx, the part that changed (a question, a section, or
    the outline); without, back to the builder at that part."""
    if not is_fragment_request():
        url = url_for("inspections.builder", template_id=template.id)
        return redirect(f"{url}#{anchor}" if anchor else url, 303)
    db.session.flush()
    db.session.expire_all()
    context = _part_context(template, **extra)
    if piece == "question":
        response = render_page("inspections/_question.html", status=status, question=record,
                               **context)
    elif piece == "section":
        response = render_page("inspections/_section.html", status=status, section=record,
                               **context)
    else:
        response = make_response(render_block("inspections/builder.html", "outline",
                                              **context), status)
        response.vary.update(("HX-Request", "HX-Target"))
        response.headers["HX-Retarget"] = "#outline"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


def _part_context(template, **more) -> dict:
    """What a builder part rendered on its own needs: the draft, forms that failed (`errors`,
    keyed as in `_builder`), the question being edited."""
    return {"checklist": template, "draft": template.draft, "errors": {}, "editing": None,
            **_piece_context(template.draft), **more}


def _refused(template, message, **part):
    """A builder change that a rule refused: said in a message, nothing changed."""
    db.session.rollback()
    flash(message, "error")
    return _changed_part(db.session.get(type(template), template.id), status=422, **part) \
        if is_fragment_request() else _changed_part(template, **part)


def _button(template, service, *args, part=None, anchor=lambda _result: "", said=None):
    """A builder button (move, duplicate, remove): run its service, then show the changed part,
    or say why it was refused."""
    MoveForm().validate_on_submit() or abort(400)
    ok, result = _run(service, *args, by=current_user)
    if not ok:
        return _refused(template, result, **(part or {}))
    if said:
        flash(said, "success")
    return _changed_part(template, **(part or {}), anchor=anchor(result))


def _run(service, *args, **kwargs):
    """A service that takes no typed input (a move, a delete): its result, or its refusal."""
    from app.core.domain import DomainError

    try:
        return True, service(*args, **kwargs)
    except DomainError as error:
        return False, str(error)


@bp.route("/templates/<int:template_id>/settings", methods=["GET", "POST"])
@requires("inspections.build")
def draft_settings(template_id: int):
    """The draft's title, description, pass mark and sites: in the builder with htmx, a page
    of its own without."""
    template = _draft_template(template_id)
    form = _settings_form(template, formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit() and apply(form, services.update_settings, template,
                                           **form.settings(), by=current_user):
        flash(_("Settings saved."), "success")
        return redirect(url_for("inspections.builder", template_id=template.id), 303)
    piece = "inspections/_settings_form.html" if is_fragment_request() else \
        "inspections/settings.html"
    return form_page(piece, form, form=form, checklist=template)


@bp.route("/templates/<int:template_id>/sections", methods=["POST"])
@requires("inspections.build")
@idempotent
def section_new(template_id: int):
    template = _draft_template(template_id)
    form = NewSectionForm(prefix="section")  # its ids apart from the settings' "title"
    if form.validate_on_submit() and (section := apply(
            form, services.add_section, template.draft, title=form.title.data or "",
            title_zh=form.title_zh.data or "", field="title", by=current_user)):
        return _changed_part(template, anchor=f"section-{section.id}")
    if is_fragment_request():
        return _changed_part(template, status=422, section_form=form)
    return _builder(template, status=422, section_form=form)


def _section_of_draft(section_id: int):
    section = queries.get_section(current_user, section_id)
    return _draft_template(section.version.template_id), section


@bp.route("/sections/<int:section_id>", methods=["POST"])
@requires("inspections.build")
def section_save(section_id: int):
    template, section = _section_of_draft(section_id)
    form = _section_form(section)
    if form.validate_on_submit() and apply(form, services.update_section, section,
                                           title=form.title.data or "",
                                           title_zh=form.title_zh.data or "", field="title",
                                           by=current_user):
        return _changed_part(template, piece="section", record=section,
                             anchor=f"section-{section.id}")
    errors = {("section", section.id): form}
    if is_fragment_request():
        return render_page("inspections/_section.html", status=422, section=section,
                           **_part_context(template, errors=errors))
    return _builder(template, status=422, errors=errors)


@bp.route("/sections/<int:section_id>/move", methods=["POST"])
@requires("inspections.build")
def section_move(section_id: int):
    template, section = _section_of_draft(section_id)
    return _button(template, services.move_section, section, _step(),
                   anchor=lambda _result: f"section-{section.id}")


def _step() -> int:
    return -1 if request.form.get("direction") == "up" else 1


@bp.route("/sections/<int:section_id>/duplicate", methods=["POST"])
@requires("inspections.build")
def section_duplicate(section_id: int):
    template, section = _section_of_draft(section_id)
    return _button(template, services.duplicate_section, section,
                   anchor=lambda copy: f"section-{copy.id}")


@bp.route("/sections/<int:section_id>/delete", methods=["POST"])
@requires("inspections.build")
def section_delete(section_id: int):
    template, section = _section_of_draft(section_id)
    return _button(template, services.delete_section, section, said=_("Section removed."))


@bp.route("/sections/<int:section_id>/questions", methods=["GET", "POST"])
@requires("inspections.build")
@idempotent
def question_new(section_id: int):
    """GET: the form (in its section with htmx; a page without). POST: add the question."""
    template, section = _section_of_draft(section_id)
    form = _question_form(template.draft, None, section=section)
    if request.method == "GET":
        piece = "inspections/_add_question.html" if is_fragment_request() else \
            "inspections/question_new.html"
        return render_page(piece, form=form, section=section, **_part_context(template))
    if form.validate_on_submit() and (question := apply(
            form, services.add_question, section, **form.fields(), image=form.image.data,
            by=current_user)):
        return _changed_part(template, piece="section", record=section,
                             anchor=f"question-{question.id}")
    if not is_fragment_request():
        return render_page("inspections/question_new.html", status=422, form=form,
                           section=section, **_part_context(template))
    return render_page("inspections/_section.html", status=422, section=section,
                       **_part_context(template, errors={("add", section.id): form}))


def _question_of_draft(question_id: int):
    question = queries.get_question(current_user, question_id)
    return _draft_template(question.section.version.template_id), question


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@requires("inspections.build")
def question_edit(question_id: int):
    """GET: the question's form (in its place with htmx; a page without). POST: save it."""
    template, question = _question_of_draft(question_id)
    form = _question_form(template.draft, question)
    if form.validate_on_submit() and apply(form, services.update_question, question,
                                           **form.fields(), image=form.image.data,
                                           remove_image=form.remove_image.data,
                                           by=current_user):
        return _changed_part(template, piece="question", record=question,
                             anchor=f"question-{question.id}")
    status = 422 if form.errors else 200
    if is_fragment_request():
        return render_page("inspections/_question.html", status=status, question=question,
                           **_part_context(template, editing=question.id,
                                           errors={("question", question.id): form}))
    return render_page("inspections/question_edit.html", status=status, checklist=template,
                       question=question, form=form, **LABELS)


@bp.route("/questions/<int:question_id>/move", methods=["POST"])
@requires("inspections.build")
def question_move(question_id: int):
    template, question = _question_of_draft(question_id)
    MoveForm().validate_on_submit() or abort(400)
    section_before = question.section
    ok, result = _run(services.move_question, question, _step(), by=current_user)
    if not ok:
        return _refused(template, result, piece="section", record=section_before)
    if question.section is section_before:
        return _changed_part(template, piece="section", record=section_before,
                             anchor=f"question-{question.id}")
    return _changed_part(template, anchor=f"question-{question.id}")


@bp.route("/questions/<int:question_id>/duplicate", methods=["POST"])
@requires("inspections.build")
def question_duplicate(question_id: int):
    template, question = _question_of_draft(question_id)
    return _button(template, services.duplicate_question, question,
                   part={"piece": "section", "record": question.section},
                   anchor=lambda twin: f"question-{twin.id}")


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
@requires("inspections.build")
def question_delete(question_id: int):
    template, question = _question_of_draft(question_id)
    section = question.section
    return _button(template, services.delete_question, question,
                   part={"piece": "section", "record": section},
                   anchor=lambda _result: f"section-{section.id}", said=_("Question removed."))


# --- versions ------------------------------------------------------------------------------------

@bp.route("/templates/<int:template_id>/publish", methods=["POST"])
@requires("inspections.build")
def publish(template_id: int):
    template = _draft_template(template_id)
    form = PublishForm()
    if form.validate_on_submit() and (version := apply(
            form, services.publish, template, change_note=form.change_note.data,
            field="change_note", by=current_user)):
        flash(_("Version %(number)d published.", number=version.number), "success")
        return redirect(url_for("inspections.template", template_id=template.id), 303)
    return _builder(template, status=422, publish_form=form)


@bp.route("/templates/<int:template_id>/draft", methods=["POST"])
@requires("inspections.build")
def start_draft(template_id: int):
    template = _buildable(template_id)
    MoveForm().validate_on_submit() or abort(400)
    ok, result = _run(services.start_draft, template, by=current_user)
    if not ok:
        flash(result, "error")
        return redirect(url_for("inspections.template", template_id=template.id), 303)
    return redirect(url_for("inspections.builder", template_id=template.id), 303)


@bp.route("/templates/<int:template_id>/discard", methods=["POST"])
@requires("inspections.build")
def discard_draft(template_id: int):
    template = _draft_template(template_id)
    MoveForm().validate_on_submit() or abort(400)
    title = template.label
    if services.discard_draft(template, by=current_user):
        flash(_("%(title)s was never published: it is gone.", title=title), "success")
        return redirect(url_for("inspections.templates"), 303)
    flash(_("Draft discarded."), "success")
    return redirect(url_for("inspections.template", template_id=template.id), 303)


@bp.route("/templates/<int:template_id>/archive", methods=["POST"])
@requires("inspections.build")
def archive(template_id: int):
    template = _buildable(template_id)
    MoveForm().validate_on_submit() or abort(400)
    if request.form.get("direction") == "restore":
        services.restore(template, by=current_user)
        flash(_("Checklist restored."), "success")
    else:
        services.archive(template, by=current_user)
        flash(_("Checklist archived: no new inspections; its history stays."), "success")
    return redirect(url_for("inspections.template", template_id=template.id), 303)


@bp.route("/versions/<int:version_id>")
@requires("inspections.view")
def version(version_id: int):
    version = queries.get_version(current_user, version_id)
    return render_page("inspections/version.html", version=version,
                       checklist=version.template, **_piece_context(version))


@bp.route("/versions/<int:version_id>/preview")
@requires("inspections.view")
def preview(version_id: int):
    """The version as an inspector's phone shows it. Answers tried here (sent back as the
    query string: nothing is saved) show and hide follow-ups, mark failures and give the score,
    as an inspection will."""
    version = queries.get_version(current_user, version_id)
    answers = _tried_answers(version)
    return render_page("inspections/preview.html", "preview_answers", version=version,
                       checklist=version.template, answers=answers,
                       shown={q.key for q in scoring.shown_questions(version, answers)},
                       score=scoring.score(version, answers), is_failure=scoring.is_failure,
                       **_piece_context(version))


def _tried_answers(version) -> dict:
    """?answer-<key>=... as typed answers (a number for a reading; a list when several)."""
    answers = {}
    for question in version.questions:
        name = f"answer-{question.key}"
        if question.kind == "choice" and question.multiple:
            values = request.args.getlist(name)
            if values:
                answers[question.key] = values
            continue
        value = text_arg(name, 100)
        if question.kind == "number":
            try:
                number = float(value)
            except ValueError:
                continue
            if math.isfinite(number):
                answers[question.key] = number
        elif value:
            answers[question.key] = value
    return answers


# --- response sets -------------------------------------------------------------------------------

@bp.route("/response-sets")
@requires("inspections.build")
def response_sets():
    return render_page("inspections/response_sets.html",
                       sets=db.session.scalars(queries.response_sets()).all())


@bp.route("/response-sets/new", methods=["GET", "POST"])
@requires("inspections.build")
@idempotent
def response_set_new():
    return _response_set_form(None)


@bp.route("/response-sets/<int:set_id>", methods=["GET", "POST"])
@requires("inspections.build")
def response_set_edit(set_id: int):
    return _response_set_form(queries.get_response_set(set_id))


def _response_set_form(response_set):
    data = None
    if response_set is not None:
        data = {"name": response_set.name, "name_zh": response_set.name_zh,
                "active": response_set.active,
                "choices": ResponseSetForm.rows_of(response_set.choices)}
    form = ResponseSetForm(data=data) if request.method == "GET" else ResponseSetForm()
    if request.form.get("more"):  # "Room for more choices": the form again, nothing saved
        if form.idempotency_key:  # this answer is kept for its key: the save needs another
            form.idempotency_key.data = uuid.uuid4().hex
        return render_page("inspections/response_set.html", form=form.with_blank_rows(4),
                           response_set=response_set)
    if form.validate_on_submit() and (saved := apply(
            form, services.save_response_set, response_set, name=form.name.data or "",
            name_zh=form.name_zh.data or "", choices=form.choice_rows(),
            active=form.active.data, field="name", by=current_user)):
        flash(_("Response set saved."), "success")
        return redirect(url_for("inspections.response_sets") + f"#set-{saved.id}", 303)
    return form_page("inspections/response_set.html", form.with_blank_rows(), form=form,
                     response_set=response_set)


# --- JSON export and import ----------------------------------------------------------------------

@bp.route("/versions/<int:version_id>/export")
@requires("inspections.view")
def export(version_id: int):
    version = queries.get_version(current_user, version_id)
    body = json.dumps(documents.export_version(version), ensure_ascii=False, indent=2)
    response = make_response(body + "\n")
    response.mimetype = "application/json"
    name = f"checklist-{version.template_id}-v{version.number}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/templates/import", methods=["GET", "POST"])
@requires("inspections.build")
@idempotent
def template_import():
    form = ImportForm()
    problems = None
    if form.validate_on_submit():
        draft, problems = _read_upload(form.document.data)
        if not problems:
            mine = [] if current_user.is_admin else list(current_user.sites)
            ok, template = _run(documents.import_document, draft,
                                all_sites=current_user.is_admin, sites=mine, by=current_user)
            if ok:
                flash(_("Checklist imported as a draft: check it, then publish it."), "success")
                return redirect(url_for("inspections.builder", template_id=template.id), 303)
            problems.add("", template)  # the refusal (a supervisor of no site)
    status = 422 if form.errors or problems else 200
    return render_page("inspections/import.html", status=status, form=form,
                       problems=problems.items if problems else [])


def _read_upload(upload):
    problems = documents.Problems()
    raw = upload.read(documents.MAX_BYTES + 1)
    if len(raw) > documents.MAX_BYTES:
        problems.add("", _("The file is larger than 1 MB."))
        return None, problems
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.add("", _("The file is not text in UTF-8."))
        return None, problems
    except json.JSONDecodeError as error:
        problems.add("", _("The file is not valid JSON (line %(line)d, column %(column)d).",
                           line=error.lineno, column=error.colno))
        return None, problems
    return documents.read_document(document)
