"""Who may open what of the sites domain, beyond the permission each view declares."""

from app.core.attachments import register_access
from app.extensions import db
from app.sites.models import Location


def may_open_location_file(user, attachment) -> bool:
    location = db.session.get(Location, attachment.entity_id)
    return location is not None and user.can_see_site(location.site_id)


register_access("location", may_open_location_file)
