from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField

from app.actions.models import PRIORITY_LABELS
from app.auth.queries import users_of_site
from app.core.fields import length, plausible_date, record_id, required
from app.core.forms import Form, IdempotentForm
from app.extensions import db
from app.sites.queries import site_options


def owner_choices(site_id: int | None) -> list[tuple[int, str]]:
    """Who may own an action: the active users of its site."""
    if not site_id:
        return []
    return [(user.id, user.name) for user in db.session.scalars(users_of_site(site_id))]


class ActionForm(IdempotentForm):
    """A new action, for `user`, raised from `source` (whose site it takes) or from nothing
    (one of the user's sites); the owners offered are the users of the chosen site."""

    title = StringField(_l("What must be done"), validators=[required(), length(200)])
    description = TextAreaField(_l("Details"), validators=[length(5000)], render_kw={"rows": 3})
    site = SelectField(_l("Site"), coerce=record_id, validators=[required()])
    owner = SelectField(_l("Owner"), coerce=record_id, validators=[required()])
    due_date = DateField(_l("Due date"), validators=[required(), plausible_date])
    priority = SelectField(_l("Priority"), coerce=int, default=3,
                           choices=list(PRIORITY_LABELS.items()))

    def __init__(self, *args, user, source=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site.choices = [(source.site_id, source.site.name)] if source is not None else [
            (site.id, site.name) for site in db.session.execute(site_options(user))]
        if not self.is_submitted():
            self.site.data = self.site.choices[0][0] if self.site.choices else None
        self.owner.choices = owner_choices(
            self.site.data if user.can_see_site(self.site.data) else None)


class ActionEditForm(ActionForm):
    """The changes to an action: its owner stays offered even after leaving the site."""

    idempotency_key = None
    site = None

    def __init__(self, *args, action, **kwargs):
        IdempotentForm.__init__(self, *args, **kwargs)
        self.owner.choices = owner_choices(action.site_id)
        if action.owner and action.owner_id not in {value for value, _ in self.owner.choices}:
            self.owner.choices.append((action.owner_id, action.owner.name))


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
