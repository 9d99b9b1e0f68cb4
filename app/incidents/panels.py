"""The incidents section of a location's page."""

from flask_login import current_user

from app.extensions import db
from app.incidents import queries
from app.incidents.models import SEVERITY_LABELS, STATUS_LABELS
from app.sites.panels import register


@register
def location_incidents(location):
    recent = db.session.scalars(
        queries.incident_list(current_user, location_id=location.id).limit(5)).all()
    return "incidents/_location_panel.html", {
        "recent_incidents": recent, "severity_labels": SEVERITY_LABELS,
        "status_labels": STATUS_LABELS}
