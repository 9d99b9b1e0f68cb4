"""Read-side queries for users."""

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.auth.models import User, user_site
from app.core.scoping import scope


def user_list(*, search: str = "", role: str = "", site_id: int | None = None,
              status: str = "active"):
    statement = select(User).options(selectinload(User.sites)).order_by(User.name, User.id)
    if search:
        pattern = f"%{search.strip()}%"
        statement = statement.where(or_(User.name.ilike(pattern), User.username.ilike(pattern),
                                        User.email.ilike(pattern)))
    if role:
        statement = statement.where(User.roles.contains(role))
    if site_id:
        statement = statement.where(User.id.in_(
            select(user_site.c.user_id).where(user_site.c.site_id == site_id)))
    if status == "active":
        statement = statement.where(User.active.is_(True))
    elif status == "inactive":
        statement = statement.where(User.active.is_(False))
    return statement


def people_of_my_sites(user):
    """(id, name) of the active users of the user's sites, by name: the menus that filter a
    list by person come from here (a small table), never from the list's own big table."""
    on_my_sites = scope(select(user_site.c.user_id), user, user_site.c.site_id)
    return (select(User.id, User.name).where(User.active, User.id.in_(on_my_sites))
            .order_by(User.name))


def users_of_site(site_id: int, *, active_only: bool = True):
    """The users assigned to a site, by name."""
    statement = (select(User).join(user_site, user_site.c.user_id == User.id)
                 .where(user_site.c.site_id == site_id).order_by(User.name))
    return statement.where(User.active) if active_only else statement
