from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as SubForm
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from app.core.fields import MultiCheckboxField, length, required
from app.core.forms import Form, IdempotentForm
from app.extensions import db
from app.inspections import queries
from app.inspections.models import KIND_LABELS, answer_label
from app.inspections.services import answer_values
from app.sites.queries import site_options

PRIORITIES = [(1, _l("P1 – urgent")), (2, _l("P2 – high")), (3, _l("P3 – normal")),
              (4, _l("P4 – low"))]


def _either(english: str, chinese: str):
    """A title in English, in Chinese, or both: one of them is required."""
    def check(form, _field):
        if not (form[english].data or "").strip() and not (form[chinese].data or "").strip():
            raise ValidationError(_l("Write it in English or in Chinese."))
    return check


class TemplateForm(IdempotentForm):
    """A new template's settings, or its draft's: for `user`, whose sites it may be used at."""

    title = StringField(_l("Title"), validators=[length(200), _either("title", "title_zh")])
    title_zh = StringField(_l("Title in Chinese"), validators=[length(200)])
    description = TextAreaField(_l("Description"), validators=[length(5000)],
                                render_kw={"rows": 2})
    description_zh = TextAreaField(_l("Description in Chinese"), validators=[length(5000)],
                                   render_kw={"rows": 2})
    pass_threshold = IntegerField(
        _l("Pass mark (percent of the points)"), default=80,
        validators=[InputRequired(message=_l("This field is required.")),
                    NumberRange(0, 100, message=_l("Use a number from 0 to 100."))])
    used_at = RadioField(_l("Used at"), default="chosen", choices=[
        ("all", _l("All sites")), ("chosen", _l("The sites chosen below"))])
    sites = MultiCheckboxField(_l("Sites"), coerce=int)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites.choices = [(site.id, site.name) for site in db.session.execute(
            site_options(user))]
        if not user.is_admin:  # a template for every site is an administrator's
            self.used_at.choices = self.used_at.choices[1:]
            self.used_at.data = "chosen"

    def validate_sites(self, field):
        if self.used_at.data != "all" and not field.data:
            raise ValidationError(_l("Choose the sites it is used at, or all sites."))

    def settings(self) -> dict:
        from app.sites.models import Site

        all_sites = self.used_at.data == "all"
        return {"title": self.title.data or "", "title_zh": self.title_zh.data or "",
                "description": self.description.data or "",
                "description_zh": self.description_zh.data or "",
                "pass_threshold": self.pass_threshold.data, "all_sites": all_sites,
                "sites": [] if all_sites else [db.session.get(Site, i) for i in self.sites.data]}


class DraftSettingsForm(TemplateForm):
    idempotency_key = None


class SectionForm(Form):
    title = StringField(_l("Section title"), validators=[length(200), _either("title", "title_zh")])
    title_zh = StringField(_l("Section title in Chinese"), validators=[length(200)])


class NewSectionForm(SectionForm, IdempotentForm):
    pass


def _optional_number(label):
    return FloatField(label, validators=[Optional()],
                      render_kw={"inputmode": "decimal", "step": "any"})


class QuestionForm(Form):
    """A question of `draft` (a new one when `question` is None): its logic may follow an
    earlier question of the draft that is not itself a follow-up."""

    kind = SelectField(_l("Type"), validators=[required()],
                       choices=list(KIND_LABELS.items()), default="pass_fail")
    prompt = StringField(_l("Question"), validators=[length(500), _either("prompt", "prompt_zh")])
    prompt_zh = StringField(_l("Question in Chinese"), validators=[length(500)])
    help = TextAreaField(_l("Help text"), validators=[length(2000)], render_kw={"rows": 2})
    help_zh = TextAreaField(_l("Help text in Chinese"), validators=[length(2000)],
                            render_kw={"rows": 2})
    required = BooleanField(_l("An answer is required"), default=True)
    weight = IntegerField(_l("Weight (points)"), default=1, validators=[
        InputRequired(message=_l("This field is required.")),
        NumberRange(0, 100, message=_l("Use a weight from 0 to %(max)d."))])
    critical = BooleanField(_l("Critical: a failure fails the whole inspection"))
    unit = StringField(_l("Unit"), validators=[length(20)])
    lower = _optional_number(_l("Lower limit"))
    upper = _optional_number(_l("Upper limit"))
    response_set_id = SelectField(_l("Response set"), coerce=lambda v: int(v) if v else None,
                                  validate_choice=False)
    multiple = BooleanField(_l("Several answers may be chosen"))
    note_on_failure = BooleanField(_l("On failure, require a note"))
    photo_on_failure = BooleanField(_l("On failure, require a photo"))
    action_on_failure = BooleanField(_l("On failure, raise a corrective action"))
    action_priority = SelectField(_l("Action priority"), coerce=int, default=3,
                                  choices=PRIORITIES)
    action_due_days = IntegerField(_l("Action due in (days)"), default=7, validators=[
        InputRequired(message=_l("This field is required.")),
        NumberRange(0, 365, message=_l("Use from 0 to %(max)d days."))])
    show_if = SelectField(_l("Show only when"), validate_choice=False, default="")
    image = FileField(_l("Picture (for an instruction)"), render_kw={"accept": "image/*"})
    remove_image = BooleanField(_l("Remove the picture"))

    def __init__(self, *args, draft, question=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.response_set_id.choices = [("", _l("Choose…")), *_offered_sets()]
        if question is not None and question.response_set is not None and \
                question.response_set_id not in {v for v, _ in self.response_set_id.choices}:
            self.response_set_id.choices.append((question.response_set_id,
                                                 question.response_set.label))
        self.show_if.choices = [("", _l("Always"))] + _conditions(draft, question)
        if question is not None and self.show_if.raw_data is None:  # not posted: as saved
            self.show_if.data = f"{question.show_if_key}:{question.show_if_value}" \
                if question.show_if_key else ""

    def validate_response_set_id(self, field):
        if self.kind.data == "choice" and not field.data:
            raise ValidationError(_l("Choose the answers' response set."))
        if field.data and field.data not in {v for v, _ in field.choices}:
            raise ValidationError(_l("Choose from the list."))

    def validate_show_if(self, field):
        if field.data and field.data not in {v for v, _ in field.choices}:
            raise ValidationError(_l("Choose an earlier question that is not a follow-up "
                                     "itself."))

    def fields(self) -> dict:
        key, _, value = (self.show_if.data or "").partition(":")
        names = ("kind", "prompt", "prompt_zh", "help", "help_zh", "required", "weight",
                 "critical", "unit", "lower", "upper", "response_set_id", "multiple",
                 "note_on_failure", "photo_on_failure", "action_on_failure",
                 "action_priority", "action_due_days")
        return {**{name: self[name].data for name in names},
                "show_if_key": key or None, "show_if_value": value}


def _offered_sets() -> list[tuple[int, str]]:
    """The response sets offered for new questions, read once per request (a builder page
    holds a question form per section)."""
    if "offered_response_sets" not in g:
        g.offered_response_sets = [(s.id, s.label) for s in db.session.scalars(
            queries.response_sets(active_only=True))]
    return g.offered_response_sets


def _conditions(draft, question) -> list[tuple[str, str]]:
    """"key:answer" for each answer of each question `question` may follow: earlier in the
    draft (all of them for a new question), not a follow-up itself."""
    options = []
    for earlier in draft.questions:
        if question is not None and earlier.key == question.key:
            break
        if earlier.show_if_key:
            continue
        for value in answer_values(earlier):
            options.append((f"{earlier.key}:{value}", _l(
                "“%(prompt)s” is %(answer)s", prompt=earlier.label,
                answer=answer_label(earlier, value))))
    return options


class MoveForm(Form):
    """Up or down one place (the button pressed says which)."""

    direction = HiddenField()


class PublishForm(Form):
    change_note = TextAreaField(_l("What changed (for the version history)"),
                                validators=[required(), length(500)], render_kw={"rows": 2})


class ChoiceRow(SubForm):
    """One choice of a set (its fields are not named "label": a row has a label of its own)."""

    value = HiddenField()
    choice = StringField(_l("Choice"), validators=[length(100)])
    choice_zh = StringField(_l("Choice in Chinese"), validators=[length(100)])
    failure = BooleanField(_l("Counts as a failure"))


class ResponseSetForm(IdempotentForm):
    name = StringField(_l("Name"), validators=[length(100), _either("name", "name_zh")])
    name_zh = StringField(_l("Name in Chinese"), validators=[length(100)])
    choices = FieldList(FormField(ChoiceRow), min_entries=2, max_entries=30)
    active = BooleanField(_l("Offered for new questions"), default=True)

    def choice_rows(self) -> list[dict]:
        return [{"value": row.form.value.data, "label": row.form.choice.data,
                 "label_zh": row.form.choice_zh.data, "failure": row.form.failure.data}
                for row in self.choices]

    @staticmethod
    def rows_of(choices: list[dict]) -> list[dict]:
        """A set's stored choices as the form's rows."""
        return [{"value": c["value"], "choice": c["label"], "choice_zh": c.get("label_zh", ""),
                 "failure": c.get("failure", False)} for c in choices]

    def with_blank_rows(self, blank: int = 2) -> "ResponseSetForm":
        """Room for more choices: empty rows at the end (no JavaScript needed to add one)."""
        filled = sum(1 for row in self.choices
                     if (row.form.choice.data or "").strip()
                     or (row.form.choice_zh.data or "").strip())
        while len(self.choices) < min(filled + blank, self.choices.max_entries):
            self.choices.append_entry()
        return self


class ImportForm(IdempotentForm):
    document = FileField(_l("Checklist file (JSON)"), validators=[required()],
                         render_kw={"accept": ".json,application/json"})


# --- inspections ---------------------------------------------------------------------------------

class StartForm(IdempotentForm):
    """Start an inspection: a checklist used at the site, and a location of it. From a
    location's page the location is given; otherwise the site is chosen first (?site=)."""

    site = SelectField(_l("Site"), coerce=int, validate_choice=False)
    location = SelectField(_l("Location"), coerce=int, validators=[required()])
    template = SelectField(_l("Checklist"), coerce=int, validators=[required()])
    latitude = FloatField(validators=[Optional()], widget=HiddenInput())
    longitude = FloatField(validators=[Optional()], widget=HiddenInput())

    def __init__(self, *args, user, location=None, site_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        from app.sites.queries import location_list

        sites = [(s.id, s.name) for s in db.session.execute(site_options(user))]
        self.site.choices = sites
        if location is not None:
            site_id = location.site_id
            self.location.choices = [(location.id, location.name)]
            self.location.data = location.id
        else:
            if site_id not in {value for value, _label in sites}:
                site_id = sites[0][0] if sites else None
            self.location.choices = [(loc.id, f"{loc.area.name} · {loc.name}") for loc in
                                     db.session.scalars(location_list(user, site_id=site_id))
                                     ] if site_id else []
        self.site.data = site_id
        self.template.choices = [(t.id, t.label) for t in db.session.scalars(
            queries.startable_templates(user, site_id))] if site_id else []

    def validate_location(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a location of this site."))

    def validate_template(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a checklist used at this site."))

    def start(self) -> dict:
        from app.inspections.models import ChecklistTemplate
        from app.sites.models import Location

        return {"template": db.session.get(ChecklistTemplate, self.template.data),
                "location": db.session.get(Location, self.location.data),
                "latitude": self.latitude.data, "longitude": self.longitude.data}


class CompleteForm(Form):
    """Complete an inspection (what is still missing is said on the page)."""


class ReopenForm(Form):
    reason = TextAreaField(_l("Why it is reopened"), validators=[required(), length(2000)],
                           render_kw={"rows": 2})
