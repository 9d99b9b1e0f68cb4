"""Sites, their areas and locations, and QR labels that open a location's page."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("sites", __name__)
for _kind, _label in (("site", _l("site")), ("area", _l("area")), ("location", _l("location"))):
    label_entity(_kind, _label)

from app.sites import policy, views  # noqa: E402,F401
