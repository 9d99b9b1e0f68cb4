"""The schedule form, and the one-tap start of a round."""

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from app.auth.queries import users_of_site
from app.core.fields import MultiCheckboxField, length, plausible_date, required
from app.core.forms import Form, IdempotentForm
from app.extensions import db
from app.inspections import queries as inspection_queries
from app.rounds.models import (
    ASSIGNABLE_ROLES,
    FREQUENCY_LABELS,
    ORDINAL_LABELS,
    WEEKDAY_LABELS,
)
from app.rounds.services import MAX_TIMES, MAX_WINDOW, RuleFields
from app.sites.models import Location

CLOCK = re.compile(r"^([01]?\d|2[0-3])[:：.](\d\d)$")  # 8:00, 08:00, 08：00 (Chinese colon)
ROLE_NAMES = {"inspector": _l("Every inspector of the site"),
              "supervisor": _l("Every supervisor of the site")}


def opening_times(text: str) -> list[str]:
    """'8:00, 14:00' as ['08:00', '14:00'], sorted, once each; ValueError when not times."""
    parts = [part for part in re.split(r"[\s,，;；]+", text or "") if part]
    times = set()
    for part in parts:
        match = CLOCK.match(part)
        if not match or int(match.group(2)) > 59:
            raise ValueError(part)
        times.add(f"{int(match.group(1)):02d}:{match.group(2)}")
    return sorted(times)


class ScheduleForm(Form):
    """A schedule: which checklist, where, how often, when it is due, who does it."""

    template = SelectField(_l("Checklist"), coerce=int, validate_choice=False,
                           validators=[required()])
    location_ids = MultiCheckboxField(_l("Where"), coerce=int)
    frequency = RadioField(_l("How often"), choices=list(FREQUENCY_LABELS.items()),
                           default="daily", validators=[required()])
    times = StringField(_l("Opens at"), validators=[required(), length(100)],
                        description=_l("Local times of the site, such as 08:00, 14:00 (one "
                                       "round per time: one per shift)."))
    weekdays = MultiCheckboxField(_l("On these weekdays (every week)"), coerce=int,
                                  choices=list(enumerate(WEEKDAY_LABELS)))
    month_day = IntegerField(_l("On this day of the month (every month)"),
                             validators=[Optional(), NumberRange(1, 31, message=_l(
                                 "Enter a day from 1 to 31."))],
                             description=_l("The 29th to 31st fall on the last day of a "
                                            "shorter month."))
    month_ordinal = SelectField(_l("Or on the"), coerce=lambda v: int(v) if v else None,
                                choices=[("", "—"), *ORDINAL_LABELS.items()],
                                validate_choice=False)
    month_weekday = SelectField(_l("Weekday of the month"),
                                coerce=lambda v: int(v) if v else None,
                                choices=[("", "—"), *enumerate(WEEKDAY_LABELS)],
                                validate_choice=False)
    window_minutes = IntegerField(_l("Due within (minutes after it opens)"), default=120,
                                  validators=[required(), NumberRange(1, MAX_WINDOW, message=_l(
                                      "Enter a number of minutes from %(min)s to %(max)s."))])
    grace_minutes = IntegerField(_l("Missed after (minutes past due)"), default=60,
                                 validators=[Optional(), NumberRange(0, MAX_WINDOW, message=_l(
                                     "Enter a number of minutes from %(min)s to %(max)s."))])
    assignee = SelectField(_l("Who does it"), validators=[required()], validate_choice=False)
    starts_on = DateField(_l("Starts on"), validators=[required(), plausible_date],
                          default=date.today)
    ends_on = DateField(_l("Ends on (optional)"), validators=[Optional(), plausible_date])

    def __init__(self, *args, site, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.template.choices = [(t.id, t.label) for t in db.session.scalars(
            inspection_queries.startable_templates(user, site.id))]
        self.location_ids.choices = [
            (loc.id, f"{loc.area.name} · {loc.name}") for loc in db.session.scalars(
                db.select(Location).where(Location.site_id == site.id, Location.active)
                .join(Location.area).order_by(Location.code))]
        people = [u for u in db.session.scalars(users_of_site(site.id))
                  if u.can("inspections.inspect")]
        self.assignee.choices = [*((f"role:{r}", ROLE_NAMES[r]) for r in ASSIGNABLE_ROLES),
                                 *((f"user:{u.id}", u.name) for u in people)]

    def validate_template(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a checklist used at this site."))

    def validate_times(self, field):
        try:
            times = opening_times(field.data)
        except ValueError as error:
            # gettext, not lazy: a lazy string is markup to Jinja, and this one holds typed text
            raise ValidationError(_("“%(text)s” is not a time: write times such as 08:00.",
                                    text=str(error)[:20])) from None
        if not 1 <= len(times) <= MAX_TIMES:
            raise ValidationError(_l("Give one to %(max)d opening times.", max=MAX_TIMES))

    def validate_assignee(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose who does the round."))

    def fields(self) -> RuleFields:
        kind, _sep, value = (self.assignee.data or "").partition(":")
        return RuleFields(
            frequency=self.frequency.data, times=opening_times(self.times.data),
            weekdays=sorted(set(self.weekdays.data or [])), month_day=self.month_day.data,
            month_ordinal=self.month_ordinal.data, month_weekday=self.month_weekday.data,
            window_minutes=self.window_minutes.data, grace_minutes=self.grace_minutes.data or 0,
            location_ids=sorted(set(self.location_ids.data or [])),
            assignee_id=int(value) if kind == "user" else None,
            assignee_role=value if kind == "role" else None,
            starts_on=self.starts_on.data, ends_on=self.ends_on.data)

    def fill_from(self, schedule) -> None:
        """The form of an existing schedule: its rule in force (its checklist stays)."""
        rule = schedule.rule
        for name in ("frequency", "weekdays", "month_day", "month_ordinal", "month_weekday",
                     "window_minutes", "grace_minutes", "location_ids", "starts_on",
                     "ends_on"):
            getattr(self, name).data = getattr(rule, name)
        self.times.data = ", ".join(rule.times)
        self.assignee.data = f"user:{rule.assignee_id}" if rule.assignee_id else \
            f"role:{rule.assignee_role}"


class StartRoundForm(IdempotentForm):
    """One tap on a round of Today: the occurrence is named by hidden fields."""

    schedule = HiddenField(validators=[required()])
    location = HiddenField(validators=[required()])
    opens = HiddenField(validators=[required()])


class PauseForm(Form):
    """Pause or resume: a button."""

