"""The inspections section of a location's page: recent inspections there, and a start
button for each checklist used at its site."""

import uuid

from flask_login import current_user

from app.extensions import db
from app.inspections import queries
from app.inspections.models import INSPECTION_STATUS_LABELS
from app.sites.panels import register


@register
def location_inspections(location):
    if not current_user.can("inspections.view"):
        return None
    return "inspections/_location_panel.html", {
        "recent": db.session.scalars(queries.recent_at_location(current_user,
                                                                location.id)).all(),
        "templates": db.session.scalars(queries.startable_templates(
            current_user, location.site_id)).all() if current_user.can("inspections.inspect")
        else [],
        "status_labels": INSPECTION_STATUS_LABELS, "fresh_key": lambda: uuid.uuid4().hex}
