"""Incident reports, their triage, handling and timeline."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("incidents", __name__)
label_entity("incident", _l("incident"))
label_entity("incidenttype", _l("incident type"))
label_entity("servicerequest", _l("service request"))

from app.incidents import (  # noqa: E402,F401
    panels,
    policy,
    registrations,
    request_views,
    views,
)
