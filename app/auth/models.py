import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import TimestampMixin, utcnow
from app.extensions import db

user_site = Table(
    "user_site",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("site.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(UserMixin, TimestampMixin, db.Model):
    __entity__ = "user"  # the kind stored in audit, timeline and attachment rows
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    # Space-separated role names: read on every request, so kept in the row (no extra query).
    roles: Mapped[str] = mapped_column(String(100), default="staff")
    language: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    last_sign_in_at: Mapped[datetime | None]

    # Loaded with the signed-in user (auth.session) and by lists that show it, not by default:
    # every User loaded elsewhere (timelines, menus) would cost a query otherwise.
    sites = relationship("Site", secondary=user_site, lazy="select", order_by="Site.name")

    # Set by the user loader: the session this request belongs to, and the user's site zones.
    _session_token = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str | None:
        # Flask-Login keeps this in the session cookie: the server-side session's token, so that
        # ending the LoginSession row ends the cookie, remember-me cookie included.
        return self._session_token

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())

    def has_role(self, role: str) -> bool:
        return role in self.role_set

    @property
    def is_admin(self) -> bool:
        return "admin" in self.role_set

    @property
    def is_manager(self) -> bool:
        """An administrator or a supervisor: sees all of its sites' records, closes the loop."""
        from app.core.permissions import MANAGERS

        return bool(self.role_set & MANAGERS)

    @property
    def site_ids(self) -> list[int]:
        return [site.id for site in self.sites]

    @property
    def timezone(self) -> str:
        return self.sites[0].timezone if self.sites else "UTC"

    def can(self, permission: str) -> bool:
        from app.core.permissions import user_can
        return user_can(self, permission)

    def can_see_site(self, site_id: int | None) -> bool:
        return self.is_admin or site_id in self.site_ids

    def __repr__(self) -> str:
        return f"<User {self.username}>"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginSession(db.Model):
    """A signed-in device. Deleting the row signs that device out, whatever cookie it holds."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship(lazy="joined")

