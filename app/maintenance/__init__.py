"""Maintenance: the asset register (a hierarchy of lines, machines and components), their
meters and readings, QR labels; fault reports and the work orders technicians run."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("maintenance", __name__)
label_entity("asset", _l("asset"))
label_entity("meter", _l("meter"))
label_entity("maintenancecode", _l("maintenance list entry"))
label_entity("workorder", _l("work order"))
label_entity("worktyperule", _l("sign-off settings"))
label_entity("maintenanceplan", _l("maintenance plan"))

from app.maintenance import (  # noqa: E402,F401
    figure_views,
    panels,
    plan_views,
    policy,
    registrations,
    views,
    work_log_views,
    work_order_views,
)
