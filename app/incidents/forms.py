import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import NumberRange, Optional, Regexp, StopValidation

from app.auth.models import User
from app.core.fields import (
    MultiCheckboxField,
    finite,
    length,
    optional_email,
    optional_record_id,
    plausible_date,
    record_id,
    required,
)
from app.core.forms import Form, IdempotentForm
from app.core.i18n import local_to_utc, utc_to_local
from app.core.models import utcnow
from app.core.permissions import ROLE_LABELS, ROLES
from app.extensions import db
from app.incidents import queries, robots
from app.incidents.models import (
    CHANNEL_LABELS,
    PRIORITY_LABELS,
    REQUEST_KINDS,
    ROOT_CAUSE_LABELS,
    ROOT_CAUSES,
    SEVERITIES,
    SEVERITY_LABELS,
    IncidentType,
)
from app.sites import queries as site_queries
from app.sites.models import Site

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def severity_choices():
    return [(s, SEVERITY_LABELS[s]) for s in SEVERITIES]


def team_choices():
    return [("", _l("No team"))] + [(r, ROLE_LABELS[r]) for r in ROLES if r != "admin"]


class ReportForm(IdempotentForm):
    """A report by `user`: the sites offered are theirs, the locations those of the chosen
    site; opened from a location's page (`location`), that site and location come chosen."""

    type = RadioField(_l("What happened?"), coerce=record_id, validators=[required()])
    severity = RadioField(_l("How serious?"), choices=severity_choices, default="medium",
                          validators=[required()])
    # Checked by validate_site and validate_location, which say what is wrong.
    site = SelectField(_l("Site"), coerce=record_id, validators=[required()],
                       validate_choice=False)
    location = SelectField(_l("Where?"), validators=[Optional()], validate_choice=False)
    occurred_at = DateTimeLocalField(_l("When?"), format=DATETIME_FORMATS,
                                     validators=[required(), plausible_date])
    description = TextAreaField(_l("What happened"), validators=[required(), length(5000)],
                                render_kw={"rows": 4})
    people_involved = TextAreaField(_l("People involved"), validators=[length(2000)],
                                    render_kw={"rows": 2})
    immediate_action = TextAreaField(_l("Immediate action taken"), validators=[length(2000)],
                                     render_kw={"rows": 2})
    photos = MultipleFileField(_l("Photos"), render_kw={"accept": "image/*", "multiple": True})

    def __init__(self, *args, user, location=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.from_location = location
        sites = db.session.execute(site_queries.site_options(user)).all()
        self.site.choices = [(site.id, site.name) for site in sites]
        self.type.choices = [(t.id, t.label) for t in db.session.scalars(queries.active_types())]
        if not self.is_submitted():
            self.site.data = location.site_id if location else (sites[0].id if sites else None)
            self.location.data = str(location.public_id) if location else ""
        self.chosen_site = self.visible_site(self.site.data)
        if not self.is_submitted() and self.chosen_site is not None:
            self.occurred_at.data = utc_to_local(utcnow(), self.chosen_site.timezone).replace(
                second=0, microsecond=0)
        self.location.choices = location_choices(user, self.chosen_site)
        self.chosen_location = None

    def visible_site(self, site_id):
        return db.session.get(Site, site_id) if site_id and self.user.can_see_site(
            site_id) else None

    def validate_site(self, field):
        if self.chosen_site is None:
            raise StopValidation(_l("Choose one of your sites."))

    def validate_location(self, field):
        if not field.data or self.chosen_site is None:
            return
        public_id = as_uuid(field.data)
        self.chosen_location = db.session.scalar(site_queries.location_by_public_id(
            public_id, site_id=self.chosen_site.id)) if public_id else None
        if self.chosen_location is None:
            raise StopValidation(_l("Choose a location of this site."))

    def report(self) -> dict:
        """What the report says, as services.report takes it (the time in UTC)."""
        site = self.chosen_site
        return {"site": site, "location": self.chosen_location,
                "incident_type": db.session.get(IncidentType, self.type.data),
                "severity": self.severity.data,
                "occurred_at": local_to_utc(self.occurred_at.data, site.timezone),
                "description": self.description.data,
                "people_involved": self.people_involved.data,
                "immediate_action": self.immediate_action.data}


def location_choices(user, site) -> list[tuple[str, str]]:
    """The location menu of a report: the active locations of the chosen site."""
    choices = [("", _l("Not at a listed location"))]
    if site is not None:
        rows = db.session.scalars(site_queries.location_list(user, site_id=site.id))
        choices += [(str(loc.public_id), f"{loc.code} · {loc.name} ({loc.area.name})")
                    for loc in rows]
    return choices


def as_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


class TriageForm(Form):
    severity = SelectField(_l("Severity"), choices=severity_choices, validators=[required()])
    priority = SelectField(_l("Priority"), coerce=optional_record_id,
                           choices=[("", _l("Not set"))] + list(PRIORITY_LABELS.items()))
    category = StringField(_l("Category"), validators=[length(60)])
    assignee = SelectField(_l("Assignee"), coerce=optional_record_id)
    assigned_team = SelectField(_l("Team"), choices=team_choices)
    due_at = DateTimeLocalField(_l("Due"), format=DATETIME_FORMATS,
                                validators=[Optional(), plausible_date])

    def __init__(self, *args, incident, **kwargs):
        timezone = incident.site.timezone
        data = {"severity": incident.severity, "priority": incident.priority,
                "category": incident.category, "assignee": incident.assignee_id,
                "assigned_team": incident.assigned_team,
                "due_at": utc_to_local(incident.due_at, timezone) if incident.due_at else None}
        super().__init__(*args, data=data, **kwargs)
        self.timezone = timezone
        self.assignee.choices = [("", _("Nobody yet"))] + [
            (user.id, _("%(name)s · %(count)d open", name=user.name, count=count)
             + (" ★" if skilled else ""))
            for user, skilled, count in queries.suggested_assignees(incident)]

    def changes(self) -> dict:
        """The triage, as services.triage takes it (the due time in UTC)."""
        return {"severity": self.severity.data, "priority": self.priority.data,
                "category": self.category.data, "assigned_team": self.assigned_team.data,
                "assignee": db.session.get(User, self.assignee.data)
                if self.assignee.data else None,
                "due_at": local_to_utc(self.due_at.data, self.timezone)
                if self.due_at.data else None}


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

        def policies(self) -> dict:
            """severity -> (ack minutes, resolve minutes, business hours only), as the service
            takes them (resolve is typed in hours)."""
            return {severity: (getattr(self, f"{severity}_ack").data,
                               int(getattr(self, f"{severity}_resolve").data * 60),
                               getattr(self, f"{severity}_business").data)
                    for severity in SEVERITIES}

        def working_days(self) -> str:
            return ",".join(sorted(self.days.data or []))

    for severity in SEVERITIES:
        label = SEVERITY_LABELS[severity]
        setattr(SlaForm, f"{severity}_ack", IntegerField(
            _l("%(severity)s: acknowledge within (minutes)", severity=label),
            validators=[required(), NumberRange(1, 60 * 24 * 30,
                                                message=_l("Between 1 and 43200."))]))
        setattr(SlaForm, f"{severity}_resolve", DecimalField(
            _l("%(severity)s: resolve within (hours)", severity=label), places=1,
            validators=[required(), finite, NumberRange(0.1, 24 * 365,
                                                        message=_l("Between 0.1 and 8760."))]))
        setattr(SlaForm, f"{severity}_business", BooleanField(
            _l("%(severity)s: count business hours only", severity=label)))
    return SlaForm


class PublicRequestForm(IdempotentForm):
    """A customer's request, no account needed. `website` is a trap only robots fill in."""

    kind = RadioField(_l("Is this a request or a complaint?"), default="request",
                      choices=list(REQUEST_KINDS.items()), validators=[required()])
    description = TextAreaField(_l("What do you need, or what went wrong?"),
                                validators=[required(), length(3000, 5)], render_kw={"rows": 4})
    where_text = StringField(_l("Where? (room, floor, counter)"), validators=[length(200)])
    contact_name = StringField(_l("Your name (optional)"), validators=[length(100)],
                               render_kw={"autocomplete": "name"})
    contact_phone = StringField(_l("Phone (optional)"), validators=[length(40)],
                                render_kw={"autocomplete": "tel", "type": "tel"})
    contact_email = StringField(_l("E-mail (optional)"), validators=optional_email(),
                                render_kw={"autocomplete": "email", "type": "email"})
    photos = MultipleFileField(_l("Photos (optional)"),
                               render_kw={"accept": "image/*", "multiple": True})
    website = StringField(_l("Leave this empty"), render_kw={"autocomplete": "off",
                                                             "tabindex": "-1"})
    started = HiddenField()

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_site = site
        if site is not None and not self.is_submitted():
            self.started.data = robots.new_stamp(site)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.for_site is not None and robots.looks_like_spam(
                trap=self.website.data, stamp=self.started.data, site=self.for_site):
            self.description.errors.append(_l("Please wait a moment and send it again."))
            self.started.data = robots.new_stamp(self.for_site)
            return False
        return True

    def request(self) -> dict:
        """What the customer says, as customer_requests.submit_request takes it."""
        return {name: getattr(self, name).data for name in (
            "kind", "description", "where_text", "contact_name", "contact_phone",
            "contact_email")}


class StaffRequestForm(PublicRequestForm):
    """A request received by phone, e-mail or social media, logged by staff."""

    site = SelectField(_l("Site"), coerce=record_id, validators=[required()])
    channel = SelectField(_l("Received by"), validators=[required()], choices=[
        (c, CHANNEL_LABELS[c]) for c in ("phone", "email", "social", "walk_in")])
    website = None
    started = None

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.site.choices = [(site.id, site.name)
                             for site in db.session.execute(site_queries.site_options(user))]


class RatingForm(Form):
    rating = RadioField(_l("How satisfied are you?"), coerce=int, validators=[required()],
                        choices=[(5, _l("5 – very satisfied")), (4, _l("4 – satisfied")),
                                 (3, _l("3 – neutral")), (2, _l("2 – unsatisfied")),
                                 (1, _l("1 – very unsatisfied"))])
    comment = TextAreaField(_l("Anything to add? (optional)"), validators=[length(2000)],
                            render_kw={"rows": 3})


class RequestAnswerForm(Form):
    note = TextAreaField(_l("Answer for the customer"), validators=[required(), length(2000)],
                         render_kw={"rows": 3},
                         description=_l("Shown on the customer's status page."))


class ConvertForm(Form):
    type = SelectField(_l("Incident type"), coerce=record_id, validators=[required()])
    severity = SelectField(_l("Severity"), choices=severity_choices, default="medium",
                           validators=[required()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = [(t.id, t.label) for t in db.session.scalars(queries.active_types())]


class ProcedureFileForm(IdempotentForm):
    file = FileField(_l("Procedure file (PDF or photo)"), validators=[required()],
                     render_kw={"accept": "application/pdf,image/*"})
