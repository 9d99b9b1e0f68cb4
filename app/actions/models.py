from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import CreatedByMixin, PublicIdMixin, TimestampMixin
from app.extensions import db

STATUSES = ("open", "in_progress", "done", "verified")
STATUS_LABELS = {"open": _l("Open"), "in_progress": _l("In progress"), "done": _l("Done"),
                 "verified": _l("Verified effective")}
OPEN_STATUSES = ("open", "in_progress")
PRIORITY_LABELS = {1: _l("P1 – urgent"), 2: _l("P2 – high"), 3: _l("P3 – normal"),
                   4: _l("P4 – low")}


class Action(PublicIdMixin, TimestampMixin, CreatedByMixin, db.Model):
    """A corrective or preventive action: who does what by when, and did it work."""
    __entity__ = "action"  # the kind stored in audit, timeline and attachment rows

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    source_type: Mapped[str] = mapped_column(String(30), default="none")
    source_id: Mapped[int | None]
    source_reference: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    due_date: Mapped[date]
    priority: Mapped[int] = mapped_column(default=3)
    status: Mapped[str] = mapped_column(String(20), default="open")
    done_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    verification_note: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(default=0)

    site = relationship("Site")
    owner = relationship("User", foreign_keys=[owner_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])

    __table_args__ = (
        Index("ix_action_site_status", "site_id", "status"),
        Index("ix_action_source", "source_type", "source_id"),
        Index("ix_action_due", "due_date", "id"),  # the list's order (keyset pages)
        Index("ix_action_owner_status", "owner_id", "status", "due_date"),  # "mine, overdue"
        Index("ix_action_status_due", "status", "due_date"),  # the open ones, soonest first
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date < today
