"""The assets section of a location's page."""

from flask_login import current_user

from app.core.permissions import user_can
from app.extensions import db
from app.maintenance import queries
from app.maintenance.models import ASSET_STATUS_LABELS
from app.sites.panels import register

PANEL_ASSETS = 10  # more: the link to the list, filtered


@register
def location_assets(location):
    if not user_can(current_user, "assets.view"):
        return None
    found = db.session.scalars(queries.assets_at(current_user, location.id,
                                                 PANEL_ASSETS + 1)).all()
    return "maintenance/_location_panel.html", {
        "assets": found[:PANEL_ASSETS], "more": len(found) > PANEL_ASSETS,
        "status_labels": ASSET_STATUS_LABELS}
