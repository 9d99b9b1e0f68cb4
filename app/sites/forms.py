from functools import cache
from zoneinfo import available_timezones

import pytz
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Regexp, ValidationError

from app.core.fields import length, record_id, required
from app.core.forms import Form, IdempotentForm

CODE_RULE = Regexp(r"^[A-Za-z0-9._-]+$",
                   message=_l("Use letters, digits, dots, dashes and underscores only."))


@cache
def timezone_choices() -> list[tuple[str, str]]:
    """Region/City zones known to both zoneinfo and pytz (Flask-Babel formats with pytz)."""
    zones = sorted(z for z in available_timezones() & pytz.all_timezones_set
                   if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/", "right/",
                                                     "posix/")))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


def valid_timezone(_form, field):
    if field.data not in {zone for zone, _label in timezone_choices()}:
        raise ValidationError(_l("Choose a time zone from the list."))


class SiteForm(IdempotentForm):
    name = StringField(_l("Name"), validators=[required(), length(100)])
    code = StringField(_l("Code"), validators=[required(), length(20), CODE_RULE],
                       description=_l("Short and unique, e.g. SH-01. Used in references."),
                       render_kw={"autocapitalize": "characters"})
    address = TextAreaField(_l("Address"), validators=[length(300)])
    timezone = SelectField(_l("Time zone"), choices=timezone_choices, default="Asia/Shanghai",
                           validators=[required(), valid_timezone], validate_choice=False)


class AreaForm(IdempotentForm):
    name = StringField(_l("Area name"), validators=[required(), length(100)])


class AreaEditForm(Form):
    name = StringField(_l("Area name"), validators=[required(), length(100)])
    active = BooleanField(_l("In use (clear to archive)"))


class LocationForm(IdempotentForm):
    area = SelectField(_l("Area"), coerce=record_id, validators=[required()])
    name = StringField(_l("Name"), validators=[required(), length(100)])
    code = StringField(_l("Code"), validators=[required(), length(30), CODE_RULE],
                       description=_l("Unique within the site; printed on the QR label."),
                       render_kw={"autocapitalize": "characters"})
    notes = TextAreaField(_l("Notes"), validators=[length(2000)],
                          description=_l("How to find it, access, hazards."))


class LocationEditForm(LocationForm):
    idempotency_key = None
    active = BooleanField(_l("In use (clear to archive)"))

