"""Users, roles, sign-in, profile and user administration."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("auth", __name__)
label_entity("user", _l("user"))

from app.auth import views  # noqa: E402,F401
