"""Read-side queries, every one scoped to the sites the user may see."""

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from app.core.scoping import scope
from app.extensions import db
from app.sites.models import Area, Location, Site


def visible_sites(user):
    return scope(select(Site).order_by(Site.name), user, Site.id)


def chosen_site(user, wanted: int | None) -> tuple[list[Site], Site | None]:
    """The user's sites, and the one `wanted` names (else the first): the site menus of
    forms and boards that work on one site at a time."""
    sites = db.session.scalars(visible_sites(user)).all()
    return sites, next((s for s in sites if s.id == wanted), sites[0] if sites else None)


def site_options(user):
    """(id, name) of the user's sites, for filter menus (no ORM objects to build)."""
    return scope(select(Site.id, Site.name).order_by(Site.name), user, Site.id)


def site_summaries(user):
    """Sites with their numbers of areas and active locations, in one query."""
    areas = (select(func.count(Area.id)).where(Area.site_id == Site.id, Area.active)
             .correlate(Site).scalar_subquery())
    locations = (select(func.count(Location.id)).where(Location.site_id == Site.id,
                                                        Location.active)
                 .correlate(Site).scalar_subquery())
    statement = select(Site, areas.label("areas"), locations.label("locations"))
    return scope(statement.order_by(Site.name), user, Site.id)


def location_list(user, *, search: str = "", site_id: int | None = None,
                  area_id: int | None = None, archived: bool = False):
    statement = (select(Location).join(Location.area).join(Location.site)
                 .options(contains_eager(Location.area), contains_eager(Location.site))
                 .order_by(Site.name, Area.name, Location.code))
    statement = statement.where(Location.active.is_(not archived))
    if search:
        pattern = f"%{search.strip()}%"
        statement = statement.where(or_(Location.name.ilike(pattern),
                                        Location.code.ilike(pattern), Area.name.ilike(pattern)))
    if site_id:
        statement = statement.where(Location.site_id == site_id)
    if area_id:
        statement = statement.where(Location.area_id == area_id)
    return scope(statement, user, Location.site_id)


def areas_of(site: Site, *, include_archived: bool = False):
    statement = select(Area).where(Area.site_id == site.id).order_by(Area.name)
    return statement if include_archived else statement.where(Area.active)


def active_locations(site: Site):
    """A site's locations in use, by code, with their areas: a form's menu of them."""
    return (select(Location).options(joinedload(Location.area))
            .where(Location.site_id == site.id, Location.active).order_by(Location.code))


def get_site(user, site_id: int) -> Site:
    """The site, or 404 when it does not exist or the user is not assigned to it."""
    site = db.session.get(Site, site_id)
    if site is None or not user.can_see_site(site.id):
        abort(404)
    return site


def get_area(user, area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None or not user.can_see_site(area.site_id):
        abort(404)
    return area


def get_location(user, public_id) -> Location:
    location = db.session.scalar(
        select(Location).where(Location.public_id == public_id)
        .options(contains_eager(Location.site), contains_eager(Location.area))
        .join(Location.site).join(Location.area))
    if location is None or not user.can_see_site(location.site_id):
        abort(404)
    return location


def all_sites():
    """Every site, for an administrator's menus (user administration)."""
    return select(Site).order_by(Site.name)


def sites_by_ids(ids):
    return select(Site).where(Site.id.in_(ids))


def location_by_public_id(public_id, site_id: int | None = None):
    statement = select(Location).where(Location.public_id == public_id)
    return statement.where(Location.site_id == site_id) if site_id else statement


def active_site_by_code(code: str):
    return select(Site).where(Site.code == code.upper(), Site.active)
