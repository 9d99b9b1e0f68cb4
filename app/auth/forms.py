from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Regexp

from app.core.fields import MultiCheckboxField, length, optional_email, record_id, required
from app.core.forms import Form, IdempotentForm
from app.core.i18n import LANGUAGE_NAMES
from app.core.permissions import ROLE_LABELS, ROLES
from app.extensions import db
from app.sites.queries import all_sites, sites_by_ids


def language_choices(with_browser: bool = True):
    choices = [("", _l("As the browser prefers"))] if with_browser else []
    return choices + list(LANGUAGE_NAMES.items())


class LoginForm(Form):
    login = StringField(_l("Username or e-mail"), validators=[required(), length(254)],
                        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[required(), length(128)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))


class LanguageForm(Form):
    language = SelectField(_l("Language"), choices=list(LANGUAGE_NAMES.items()),
                           validators=[required()])


class ProfileForm(Form):
    name = StringField(_l("Full name"), validators=[required(), length(100)],
                       render_kw={"autocomplete": "name"})
    email = StringField(_l("E-mail"), validators=optional_email(),
                        render_kw={"autocomplete": "email", "type": "email"})
    language = SelectField(_l("Language"), choices=language_choices())


class PasswordResetForm(Form):
    new_password = PasswordField(_l("New password"), validators=[required(), length(128)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[
        required(), EqualTo("new_password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class PasswordChangeForm(PasswordResetForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), length(128)],
                                     render_kw={"autocomplete": "current-password"})


class UserForm(IdempotentForm):
    username = StringField(_l("Username"), validators=[
        required(), length(40, 3),
        Regexp(r"^[A-Za-z0-9._-]+$",
               message=_l("Use letters, digits, dots, dashes and underscores only."))],
        render_kw={"autocapitalize": "none", "autocomplete": "off"})
    name = StringField(_l("Full name"), validators=[required(), length(100)])
    email = StringField(_l("E-mail"), validators=optional_email(), render_kw={"type": "email"})
    roles = MultiCheckboxField(_l("Roles"), choices=[(r, ROLE_LABELS[r]) for r in ROLES],
                               validators=[required()])
    sites = MultiCheckboxField(_l("Sites"), coerce=record_id)
    language = SelectField(_l("Language"), choices=language_choices())
    password = PasswordField(_l("Initial password"), validators=[required(), length(128)],
                             render_kw={"autocomplete": "new-password"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites.choices = site_choices()

    def chosen_sites(self) -> list:
        ids = self.sites.data
        return list(db.session.scalars(sites_by_ids(ids))) if ids else []


class UserEditForm(UserForm):
    """Editing `user` keeps the username and the password (reset separately)."""

    username = None
    password = None

    def __init__(self, *args, user, **kwargs):
        data = {"name": user.name, "email": user.email, "language": user.language or "",
                "roles": sorted(user.role_set), "sites": user.site_ids}
        super().__init__(*args, data=data, **kwargs)


def site_choices() -> list[tuple[int, str]]:
    """Every site, for assigning users (administrators see them all)."""
    return [(site.id, f"{site.name} ({site.code})") for site in db.session.scalars(all_sites())]
