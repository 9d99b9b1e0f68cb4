"""Form bases shared by every domain."""

import re
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField

from app.core.domain import DomainError
from app.core.fields import required

# C0 control characters but tab, newline and carriage return: never meaningful in a form, and
# PostgreSQL refuses NUL in text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(value):
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


class Form(FlaskForm):
    """Every form: CSRF (Flask-WTF), and text inputs cleaned of control characters."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):  # text areas, passwords too
                filters = [*unbound_field.kwargs.get("filters", ()), strip_control_characters]
                options = {**options, "filters": filters}
            return unbound_field.bind(form=form, **options)


class IdempotentForm(Form):
    """A create form: the hidden key survives a re-render, so a retry is recognised."""

    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from flask_login import current_user

        from app.core.idempotency import visitor_id

        if not current_user.is_authenticated:
            visitor_id()  # before the first POST, so that its retry is recognised


class PhotoForm(IdempotentForm):
    """One photo for a record, from the camera or the gallery."""

    photo = FileField(_l("Photo"), validators=[required()], render_kw={"accept": "image/*"})


def apply(form, service, *args, field: str | None = None, **kwargs):
    """Run a service for a form: its result (True when it returns nothing), or None with the
    DomainError's message put on the field the error names, else on `field`, else on the form.
    """
    try:
        result = service(*args, **kwargs)
    except DomainError as error:
        name = error.field if error.field and error.field in form else field
        errors = getattr(form, name).errors if name else form.form_errors
        errors.append(str(error))
        return None
    return True if result is None else result
