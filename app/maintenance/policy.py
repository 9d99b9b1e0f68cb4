"""Record rules of the asset register: who may open an asset (and its files), who may change
it, who may record a meter reading."""

from app.core.attachments import register_access
from app.core.permissions import user_can
from app.extensions import db
from app.maintenance.models import Asset


def can_open(user, asset: Asset) -> bool:
    """Everyone signed in at the asset's site (a fault is reported from its page)."""
    return user.can_see_site(asset.site_id)


def may_manage(user, asset: Asset) -> bool:
    return user_can(user, "assets.manage") and user.can_see_site(asset.site_id)


def may_read_meters(user, asset: Asset) -> bool:
    return user_can(user, "meters.read") and user.can_see_site(asset.site_id)


def may_open_asset_file(user, attachment) -> bool:
    asset = db.session.get(Asset, attachment.entity_id)
    return asset is not None and can_open(user, asset)


register_access("asset", may_open_asset_file)
