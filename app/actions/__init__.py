"""Corrective and preventive actions, fed by every other domain."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("actions", __name__)
label_entity("action", _l("action"))

from app.actions import registrations, sections, views  # noqa: E402,F401
