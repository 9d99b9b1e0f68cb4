"""Scheduled rounds: checklists due at locations on a schedule; Today for inspectors, the
board and rounds-check for supervisors."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("rounds", __name__)
label_entity("roundschedule", _l("round schedule"))

from app.rounds import registrations, views  # noqa: E402,F401
