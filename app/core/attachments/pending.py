"""Photos survive a refused form: kept as pending attachments until the form is sent again.

When a form with photos is refused (a validation error, 422), its photos are stored all the
same, as attachments of no record, tied to the form's idempotency key and to its owner (the
user, or the visitor's browser session). The re-rendered form shows them as thumbnails with a
"keep" box each, with or without JavaScript; when the form is accepted, the record takes the
ones still ticked. Pending photos nobody came back for are removed by `flask purge` after a
day.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from app.core.attachments.access import register_access
from app.core.attachments.images import UploadError
from app.core.attachments.prepare import prepared
from app.core.attachments.storage import clean_file_name, upload_dir
from app.core.db import keep_even_if_refused
from app.core.models import Attachment, new_uuid, utcnow
from app.extensions import db

PENDING = "pending"


def _owner_digest() -> str:
    from app.core.idempotency import owner

    return hashlib.sha256(owner().encode()).hexdigest()[:16]


def _pending_key(form_key: str) -> str:
    return f"{_owner_digest()}:{hashlib.sha256(form_key.encode()).hexdigest()[:32]}"


def held(form_key: str | None, keep: list[str] | None = None) -> list[Attachment]:
    """The photos this form sent before and was refused; with `keep` (the ticked boxes of the
    re-rendered form), only those."""
    if not form_key:
        return []
    photos = db.session.scalars(select(Attachment).where(
        Attachment.entity_type == PENDING, Attachment.pending_key == _pending_key(form_key))
        .order_by(Attachment.id)).all()
    if keep is not None:
        photos = [photo for photo in photos if str(photo.public_id) in keep]
    return photos


def hold(uploads, form_key: str | None, *, by) -> list[Attachment]:
    """Keep the readable photos of a refused form for its next try (the request's own
    transaction rolls back: these are written on their own, `keep_even_if_refused`)."""
    if not form_key:
        return []
    kept = []
    for upload in uploads:
        try:
            photo = prepared(upload)
        except UploadError:
            continue  # its error is on the form; nothing to keep
        stem = secrets.token_hex(16)
        folder = upload_dir()
        # Written under their names at once: they must outlive this request's rollback. If
        # the row is never written, `flask purge` sweeps the files (no row names them).
        (folder / f"{stem}.jpg").write_bytes(photo.full)
        (folder / f"{stem}_t.jpg").write_bytes(photo.thumb)
        attachment = Attachment(
            public_id=new_uuid(), entity_type=PENDING, entity_id=0, site_id=None,
            pending_key=_pending_key(form_key), original_name=clean_file_name(upload.filename),
            stored_name=f"{stem}.jpg", thumb_name=f"{stem}_t.jpg", content_type="image/jpeg",
            size=len(photo.full), width=photo.width, height=photo.height,
            created_by_id=getattr(by, "id", None), created_at=utcnow())
        keep_even_if_refused(attachment)
        kept.append(attachment)
    return kept


def attach_held(photos, *, entity_type: str, entity_id: int, site_id: int | None) -> None:
    """The record the form created takes the photos it was sent with before."""
    for photo in photos:
        photo.entity_type, photo.entity_id, photo.site_id = entity_type, entity_id, site_id
        photo.pending_key = None


def purge(older_than: timedelta = timedelta(days=1)) -> int:
    """Pending photos nobody came back for; their files go with the next sweep."""
    return db.session.execute(delete(Attachment).where(
        Attachment.entity_type == PENDING, Attachment.created_at < utcnow() - older_than)
    ).rowcount


def _may_open_pending(_user, attachment) -> bool:
    """Only whoever sent them (the same user, or the same visitor's browser session)."""
    return bool(attachment.pending_key) and attachment.pending_key.startswith(
        _owner_digest() + ":")


register_access(PENDING, _may_open_pending)
