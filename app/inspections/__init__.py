"""Inspections: checklist templates (versioned), their questions and response sets."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("inspections", __name__)
label_entity("checklisttemplate", _l("checklist"))
label_entity("responseset", _l("response set"))
label_entity("inspection", _l("inspection"))


@bp.context_processor
def _helpers():
    from app.inspections.models import localized

    return {"localized": localized}


from app.inspections import (  # noqa: E402,F401
    inspection_views,
    panels,
    policy,
    registrations,
    views,
)
