"""Stock: the item catalogue, stores and bins at sites, the movement ledger (receive, issue,
return, transfer, adjust) and the scanning screens storekeepers use on a phone."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.audit import label_entity

bp = Blueprint("stock", __name__)
label_entity("stockitem", _l("stock item"))
label_entity("store", _l("store"))
label_entity("stockbin", _l("bin"))
label_entity("partrequest", _l("part request"))
label_entity("purchaserequest", _l("purchase request"))
label_entity("stockcount", _l("stocktake"))

from app.stock import (  # noqa: E402,F401
    count_views,
    purchase_views,
    registrations,
    report_views,
    request_views,
    views,
)
