"""Incident reports, their triage, handling and timeline."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("incidents", __name__)
label_entity("incident", _l("incident"))
label_entity("incidenttype", _l("incident type"))

from app.incidents import panels, views  # noqa: E402,F401
