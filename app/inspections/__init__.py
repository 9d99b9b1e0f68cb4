"""Inspections: checklist templates (versioned), their questions and response sets."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("inspections", __name__)
label_entity("checklisttemplate", _l("checklist"))
label_entity("responseset", _l("response set"))
label_entity("inspection", _l("inspection"))


@bp.app_template_global("localized")
def _localized(english: str, chinese: str) -> str:
    """A text in the reader's language (models.localized), in every template: the pages of
    other domains show checklist answers too (an action raised from one)."""
    from app.inspections.models import localized

    return localized(english, chinese)


from app.inspections import (  # noqa: E402,F401
    inspection_views,
    panels,
    policy,
    registrations,
    views,
)
