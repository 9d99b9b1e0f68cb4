from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField

from app.actions.models import PRIORITY_LABELS
from app.core.fields import length, plausible_date, record_id, required
from app.core.forms import Form, IdempotentForm


class ActionForm(IdempotentForm):
    title = StringField(_l("What must be done"), validators=[required(), length(200)])
    description = TextAreaField(_l("Details"), validators=[length(5000)], render_kw={"rows": 3})
    site = SelectField(_l("Site"), coerce=record_id, validators=[required()])
    owner = SelectField(_l("Owner"), coerce=record_id, validators=[required()])
    due_date = DateField(_l("Due date"), validators=[required(), plausible_date])
    priority = SelectField(_l("Priority"), coerce=int, default=3,
                           choices=list(PRIORITY_LABELS.items()))


class ActionEditForm(ActionForm):
    idempotency_key = None
    site = None


class NoteForm(Form):
    note = TextAreaField(_l("What was done"), validators=[length(5000)], render_kw={"rows": 2})


class VerifyForm(Form):
    effective = RadioField(_l("Did it work?"), validators=[required()], choices=[
        ("yes", _l("Yes: the problem has not come back")),
        ("no", _l("No: reopen the action"))])
    note = TextAreaField(_l("What was checked"), validators=[length(5000)],
                         render_kw={"rows": 2})


class ActionCommentForm(IdempotentForm):
    text = TextAreaField(_l("Comment"), validators=[required(), length(5000)],
                         render_kw={"rows": 2})
