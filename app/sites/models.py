from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import CreatedByMixin, PublicIdMixin, TimestampMixin
from app.extensions import db


class Site(TimestampMixin, CreatedByMixin, db.Model):
    __entity__ = "site"  # the kind stored in audit, timeline and attachment rows
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(default=True)

    areas = relationship("Area", back_populates="site", order_by="Area.name",
                         cascade="all, delete-orphan")

    @property
    def site_id(self) -> int:  # audit and scoping treat a site as belonging to itself
        return self.id


class Area(TimestampMixin, CreatedByMixin, db.Model):
    __entity__ = "area"  # the kind stored in audit, timeline and attachment rows
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)

    site = relationship("Site", back_populates="areas")
    locations = relationship("Location", back_populates="area", order_by="Location.code")

    __table_args__ = (UniqueConstraint("site_id", "name"),)


class Location(PublicIdMixin, TimestampMixin, CreatedByMixin, db.Model):
    __entity__ = "location"  # the kind stored in audit, timeline and attachment rows
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(30))
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    site = relationship("Site")
    area = relationship("Area", back_populates="locations")

    __table_args__ = (UniqueConstraint("site_id", "code"),)
