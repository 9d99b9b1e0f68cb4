"""Field helpers with messages written once, translatable."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget


def required():
    return DataRequired(message=_l("This field is required."))


def length(maximum: int, minimum: int = -1):
    if minimum > 0:
        return Length(min=minimum, max=maximum,
                      message=_l("Use between %(min)d and %(max)d characters."))
    return Length(max=maximum, message=_l("Use at most %(max)d characters."))


def optional_email():
    return [Optional(), Email(message=_l("Enter a valid e-mail address.")), length(254)]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes: easier to tap on a phone than a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        values = {str(value) for value, _label in self.choices}
        for item in self.data or []:
            if str(item) not in values:
                raise ValidationError(_l("Choose from the list."))


MAX_ID = 2**31 - 1


def record_id(value) -> int:
    """coerce= for menus of records: an id, or ValueError (a 30-digit number is no id)."""
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError("not a record id")
    return number


def optional_record_id(value) -> int | None:
    return record_id(value) if value not in (None, "") else None


def plausible_date(_form, field):
    """Dates of this century only: year 1 or 9999 cannot be moved between time zones."""
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


def finite(_form, field):
    """A DecimalField's number, not NaN or infinity (which Decimal parses from "NaN", "inf")."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter a number."))
