from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Regexp, ValidationError

from app.core.fields import length, required
from app.core.forms import Form, IdempotentForm

CODE_RULE = Regexp(r"^[A-Za-z0-9._-]+$",
                   message=_l("Use letters, digits, dots, dashes and underscores only."))


@cache
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones()
                   if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/")))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


def valid_timezone(_form, field):
    try:
        ZoneInfo(field.data)
    except (ValueError, KeyError) as error:
        raise ValidationError(_l("Choose a time zone from the list.")) from error


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
    area = SelectField(_l("Area"), coerce=int, validators=[required()])
    name = StringField(_l("Name"), validators=[required(), length(100)])
    code = StringField(_l("Code"), validators=[required(), length(30), CODE_RULE],
                       description=_l("Unique within the site; printed on the QR label."),
                       render_kw={"autocapitalize": "characters"})
    notes = TextAreaField(_l("Notes"), validators=[length(2000)],
                          description=_l("How to find it, access, hazards."))


class LocationEditForm(LocationForm):
    idempotency_key = None
    active = BooleanField(_l("In use (clear to archive)"))


class PhotoForm(IdempotentForm):
    photo = FileField(_l("Photo"), validators=[required()],
                      render_kw={"accept": "image/*", "capture": "environment"})
