"""The assets section of a location's page; the fault reports of an equipment failure on its
incident's page (core.sections)."""

from flask_login import current_user
from sqlalchemy import select

from app.core import sections
from app.core.permissions import user_can
from app.extensions import db
from app.maintenance import queries
from app.maintenance.forms import IncidentFaultForm
from app.maintenance.models import ASSET_STATUS_LABELS, WorkOrder
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


@sections.register
def incident_faults(record, user):
    """On an equipment failure's page: the fault reports made from it, and a form to make one
    (choosing the asset) with the incident's words and photos."""
    if getattr(record, "__entity__", None) != "incident" or record.type is None or \
            record.type.code != "equipment_failure" or not user_can(user, "faults.report"):
        return None
    reported = db.session.scalars(select(WorkOrder).where(
        WorkOrder.incident_id == record.id).order_by(WorkOrder.id)).all()
    form = IncidentFaultForm(formdata=None, user=user,
                             location_id=record.location_id)
    return "maintenance/_incident_section.html", {"reported": reported, "form": form,
                                                  "incident": record}
