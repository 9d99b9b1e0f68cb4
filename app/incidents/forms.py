from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import NumberRange, Optional, Regexp

from app.core.fields import MultiCheckboxField, length, optional_record_id, record_id, required
from app.core.forms import Form, IdempotentForm
from app.core.permissions import ROLE_LABELS, ROLES
from app.incidents.models import (
    PRIORITY_LABELS,
    ROOT_CAUSE_LABELS,
    ROOT_CAUSES,
    SEVERITIES,
    SEVERITY_LABELS,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def severity_choices():
    return [(s, SEVERITY_LABELS[s]) for s in SEVERITIES]


def team_choices():
    return [("", _l("No team"))] + [(r, ROLE_LABELS[r]) for r in ROLES if r != "admin"]


class ReportForm(IdempotentForm):
    type = RadioField(_l("What happened?"), coerce=record_id, validators=[required()])
    severity = RadioField(_l("How serious?"), choices=severity_choices, default="medium",
                          validators=[required()])
    site = SelectField(_l("Site"), coerce=record_id, validators=[required()])
    location = SelectField(_l("Where?"), validators=[Optional()])
    occurred_at = DateTimeLocalField(_l("When?"), format=DATETIME_FORMATS,
                                     validators=[required()])
    description = TextAreaField(_l("What happened"), validators=[required(), length(5000)],
                                render_kw={"rows": 4})
    people_involved = TextAreaField(_l("People involved"), validators=[length(2000)],
                                    render_kw={"rows": 2})
    immediate_action = TextAreaField(_l("Immediate action taken"), validators=[length(2000)],
                                     render_kw={"rows": 2})
    photos = MultipleFileField(_l("Photos"), render_kw={"accept": "image/*", "multiple": True})


class TriageForm(Form):
    severity = SelectField(_l("Severity"), choices=severity_choices, validators=[required()])
    priority = SelectField(_l("Priority"), coerce=optional_record_id,
                           choices=[("", _l("Not set"))] + list(PRIORITY_LABELS.items()))
    category = StringField(_l("Category"), validators=[length(60)])
    assignee = SelectField(_l("Assignee"), coerce=optional_record_id)
    assigned_team = SelectField(_l("Team"), choices=team_choices)
    due_at = DateTimeLocalField(_l("Due"), format=DATETIME_FORMATS, validators=[Optional()])


class StatusForm(Form):
    note = TextAreaField(_l("Note"), validators=[length(5000)], render_kw={"rows": 2})
    # Checked by the service (only closing needs it, and only then is it on the page).
    root_cause_category = SelectField(
        _l("Root cause"), validate_choice=False, choices=[("", _l("Not known yet"))] + [
            (c, ROOT_CAUSE_LABELS[c]) for c in ROOT_CAUSES])
    root_cause = TextAreaField(_l("Root cause, in words"), validators=[length(5000)],
                               render_kw={"rows": 2})


class CommentForm(IdempotentForm):
    text = TextAreaField(_l("Comment"), validators=[required(), length(5000)],
                         description=_l("Write @username to tell a colleague."),
                         render_kw={"rows": 2})


class TypeForm(Form):
    code = StringField(_l("Code"), validators=[
        required(), length(40, 2),
        Regexp(r"^[a-z0-9_]+$", message=_l("Use lower-case letters, digits and underscores."))])
    name = StringField(_l("Name (English)"), validators=[length(100)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[length(100)])
    is_complaint = BooleanField(_l("Counts as a customer complaint"))
    skill_role = SelectField(_l("Usually handled by"), choices=team_choices)
    emergency_procedure = TextAreaField(
        _l("Emergency procedure"), validators=[length(10000)], render_kw={"rows": 6},
        description=_l("Shown at once to whoever reports a critical incident of this type."))
    active = BooleanField(_l("Offered in the report form"), default=True)


class TypeEditForm(TypeForm):
    code = None


class PauseForm(Form):
    reason = StringField(_l("Waiting for"), validators=[required(), length(200)],
                         description=_l("For example: the customer's answer, a spare part."))


WEEKDAYS = [("0", _l("Monday")), ("1", _l("Tuesday")), ("2", _l("Wednesday")),
            ("3", _l("Thursday")), ("4", _l("Friday")), ("5", _l("Saturday")),
            ("6", _l("Sunday"))]


def sla_form_class():
    """The SLA settings form: per severity, minutes to acknowledge and hours to resolve."""

    class SlaForm(Form):
        days = MultiCheckboxField(_l("Working days"), choices=WEEKDAYS)
        opens = TimeField(_l("Opens"), validators=[required()])
        closes = TimeField(_l("Closes"), validators=[required()])

    for severity in SEVERITIES:
        label = SEVERITY_LABELS[severity]
        setattr(SlaForm, f"{severity}_ack", IntegerField(
            _l("%(severity)s: acknowledge within (minutes)", severity=label),
            validators=[required(), NumberRange(1, 60 * 24 * 30,
                                                message=_l("Between 1 and 43200."))]))
        setattr(SlaForm, f"{severity}_resolve", DecimalField(
            _l("%(severity)s: resolve within (hours)", severity=label), places=1,
            validators=[required(), NumberRange(0.1, 24 * 365,
                                                message=_l("Between 0.1 and 8760."))]))
        setattr(SlaForm, f"{severity}_business", BooleanField(
            _l("%(severity)s: count business hours only", severity=label)))
    return SlaForm
