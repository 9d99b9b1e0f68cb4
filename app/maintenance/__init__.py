"""Maintenance: the asset register (a hierarchy of lines, machines and components), their
meters and readings, QR labels; fault reports and work orders come next."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("maintenance", __name__)
label_entity("asset", _l("asset"))
label_entity("meter", _l("meter"))
label_entity("maintenancecode", _l("maintenance list entry"))

from app.maintenance import panels, policy, registrations, views  # noqa: E402,F401
