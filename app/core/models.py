"""Base mixins and the core tables (audit events, idempotency keys, attachments)."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


def entity_name(entity) -> str:
    """The record kind stored in audit, timeline and attachment rows. Named on the model
    (`__entity__ = "incident"`), never derived from the class name: renaming a class must not
    orphan its rows. Read from the instance: `type()` of `current_user` is its proxy (that wrote
    "localproxy" into audit rows before)."""
    return entity.__entity__


class TimestampMixin:
    """UTC timestamps; naive datetimes that always mean UTC (SQLite has no time zones)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CreatedByMixin:
    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)


class PublicIdMixin:
    """A UUID for records created in the field or named in shared URLs (QR labels)."""

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=new_uuid, unique=True)


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    site_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor = db.relationship("User", lazy="joined")

    __table_args__ = (Index("ix_audit_event_entity", "entity_type", "entity_id"),
                      Index("ix_audit_event_at", "at", "id"))  # the log's order


class IdempotencyKey(db.Model):
    """The first answer to a create POST, replayed when the same key comes again.

    `endpoint` is the scope: endpoint, owner (user or visitor) and path, digested; the key is
    unique within it. `user_id` is kept so that a deleted user's keys go with them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    endpoint: Mapped[str] = mapped_column(String(80))
    status: Mapped[int]
    location: Mapped[str | None] = mapped_column(String(500))
    headers: Mapped[dict | None] = mapped_column(JSON)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (
        db.UniqueConstraint("endpoint", "key", name="uq_idempotency_key_scope"),
    )


class Attachment(PublicIdMixin, CreatedByMixin, db.Model):
    """A photo attached to any record; the file lives in UPLOAD_DIR under a server name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    original_name: Mapped[str] = mapped_column(String(200), default="")
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    thumb_name: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A photo of a refused form, kept for its next try (core/attachments/pending.py): the
    # owner and the form's idempotency key, digested. None once a record took it.
    pending_key: Mapped[str | None] = mapped_column(String(80), index=True)

    __table_args__ = (Index("ix_attachment_entity", "entity_type", "entity_id"),)


class TimelineEvent(db.Model):
    """What happened to a record, in order: status changes, comments, photos, assignments.

    Shared by every domain whose records have a history people read (incidents, actions, ...).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)

    actor = db.relationship("User", lazy="joined")

    __table_args__ = (Index("ix_timeline_event_entity", "entity_type", "entity_id", "at"),)


class Notification(db.Model):
    """An in-app message to one person; its text is rendered in the reader's language."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),
                      Index("ix_notification_user_created", "user_id", "created_at", "id"))


class Counter(db.Model):
    """The last number given out per (name, year): INC-2026-000123."""

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class Attempt(db.Model):
    """One try of something that is limited (a failed sign-in, a public form sent), counted
    by core.throttle across every worker."""

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_attempt_scope_key_at", "scope", "key", "at"),
                      Index("ix_attempt_at", "at"))


class KeptResult(db.Model):
    """A result worked out from many rows, kept for the next request (core.cache): good while
    its `version`, made of what it depends on, is the same."""

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"),
                                         primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[str] = mapped_column(String(80))
    payload: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChangeCount(db.Model):
    """How many committed transactions changed what the kept results `name` of a site depend
    on (core.cache): a kept result of another count is out of date."""

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"),
                                         primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
