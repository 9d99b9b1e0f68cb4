"""Changes to sites, areas and locations. Plain functions: no request, no flash, no commit."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import attachments, audit
from app.core.domain import DomainError
from app.extensions import db
from app.sites.models import Area, Location, Site

SITE_FIELDS = ("name", "code", "address", "timezone", "active")
AREA_FIELDS = ("name", "active")
LOCATION_FIELDS = ("name", "code", "area_id", "notes", "active")


def _exists(statement) -> bool:
    return db.session.scalar(statement.limit(1)) is not None


def _check_site_code(code: str, exclude_id: int | None = None) -> None:
    statement = select(Site.id).where(func.upper(Site.code) == code.upper())
    if exclude_id:
        statement = statement.where(Site.id != exclude_id)
    if _exists(statement):
        raise DomainError(_l("Another site already uses this code."), field="code")


def create_site(*, name: str, code: str, address: str = "", timezone: str = "UTC",
                by=None) -> Site:
    code = code.strip().upper()
    _check_site_code(code)
    site = Site(name=name.strip(), code=code, address=(address or "").strip(),
                timezone=timezone, created_by_id=getattr(by, "id", None))
    db.session.add(site)
    db.session.flush()
    audit.record(by, "create", site, summary=site.name, after=audit.snapshot(site, SITE_FIELDS))
    return site


def update_site(site: Site, *, name: str, code: str, address: str, timezone: str, by) -> None:
    code = code.strip().upper()
    _check_site_code(code, exclude_id=site.id)
    before = audit.snapshot(site, SITE_FIELDS)
    site.name, site.code = name.strip(), code
    site.address, site.timezone = (address or "").strip(), timezone
    _record_update(by, site, before, SITE_FIELDS, site.name)


def _record_update(by, entity, before: dict, fields, summary: str) -> None:
    old, new = audit.changes(before, audit.snapshot(entity, fields))
    if new:
        audit.record(by, "update", entity, summary=summary, before=old, after=new)


def _check_area_name(site_id: int, name: str, exclude_id: int | None = None) -> None:
    statement = select(Area.id).where(Area.site_id == site_id,
                                      func.lower(Area.name) == name.lower())
    if exclude_id:
        statement = statement.where(Area.id != exclude_id)
    if _exists(statement):
        raise DomainError(_l("This site already has an area with this name."), field="name")


def create_area(site: Site, *, name: str, by) -> Area:
    name = name.strip()
    _check_area_name(site.id, name)
    area = Area(site_id=site.id, name=name, created_by_id=getattr(by, "id", None))
    db.session.add(area)
    db.session.flush()
    audit.record(by, "create", area, summary=name, after=audit.snapshot(area, AREA_FIELDS))
    return area


def update_area(area: Area, *, name: str, active: bool, by) -> None:
    name = name.strip()
    _check_area_name(area.site_id, name, exclude_id=area.id)
    before = audit.snapshot(area, AREA_FIELDS)
    area.name, area.active = name, active
    _record_update(by, area, before, AREA_FIELDS, name)


def _check_location_code(site_id: int, code: str, exclude_id: int | None = None) -> None:
    statement = select(Location.id).where(Location.site_id == site_id,
                                          func.upper(Location.code) == code.upper())
    if exclude_id:
        statement = statement.where(Location.id != exclude_id)
    if _exists(statement):
        raise DomainError(_l("Another location of this site uses this code."), field="code")


def _check_area_of_site(area: Area, site_id: int) -> None:
    if area.site_id != site_id:
        raise DomainError(_l("Choose an area of this site."), field="area")


def create_location(site: Site, *, area: Area, name: str, code: str, notes: str = "",
                    by=None) -> Location:
    _check_area_of_site(area, site.id)
    code = code.strip().upper()
    _check_location_code(site.id, code)
    location = Location(site_id=site.id, area_id=area.id, name=name.strip(), code=code,
                        notes=(notes or "").strip(), created_by_id=getattr(by, "id", None))
    db.session.add(location)
    db.session.flush()
    audit.record(by, "create", location, summary=f"{code} {location.name}",
                 after=audit.snapshot(location, LOCATION_FIELDS))
    return location


def update_location(location: Location, *, area: Area, name: str, code: str, notes: str,
                    active: bool, by) -> None:
    _check_area_of_site(area, location.site_id)
    code = code.strip().upper()
    _check_location_code(location.site_id, code, exclude_id=location.id)
    before = audit.snapshot(location, LOCATION_FIELDS)
    location.area_id, location.area = area.id, area
    location.name, location.code = name.strip(), code
    location.notes, location.active = (notes or "").strip(), active
    _record_update(by, location, before, LOCATION_FIELDS, f"{code} {location.name}")


def add_location_photo(location: Location, file_storage, *, by):
    """Raises attachments.UploadError when the file is not an acceptable photo."""
    photo = attachments.save_image(file_storage, entity_type="location",
                                   entity_id=location.id, site_id=location.site_id, by=by)
    audit.record(by, "add_photo", location, summary=f"{location.code} {location.name}")
    return photo
