"""Attachment rows and their files under UPLOAD_DIR, named by the server."""

import re
import secrets
import time
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.attachments.images import UploadError, is_pdf, prepare_photo, read_upload
from app.core.attachments.prepare import prepared
from app.core.db import PARTIAL, stage_file
from app.core.models import Attachment
from app.extensions import db

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

# Every control character, CR and LF included (a name goes into a Content-Disposition header),
# and the Unicode line and paragraph separators.
_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean_file_name(name: str | None, default: str = "") -> str:
    """A file name as people see it, safe to store and to send back in a header."""
    cleaned = _UNSAFE_IN_NAME.sub("", name or "").strip()[:200]
    return cleaned or default


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store(data: bytes, name: str) -> str:
    stage_file(upload_dir() / name, data)
    return name


def save_image(file_storage, *, entity_type: str, entity_id: int, site_id: int | None,
               by, drawing: bool = False) -> Attachment:
    """Store one uploaded photo for a record; raises UploadError with a message for the user.
    A `drawing` (a signature) is kept as PNG."""
    photo = prepare_photo(read_upload(file_storage), "PNG") if drawing else \
        prepared(file_storage)
    stem, extension = secrets.token_hex(16), "png" if drawing else "jpg"
    attachment = Attachment(
        entity_type=entity_type, entity_id=entity_id, site_id=site_id,
        original_name=clean_file_name(file_storage.filename),
        stored_name=_store(photo.full, f"{stem}.{extension}"),
        thumb_name=_store(photo.thumb, f"{stem}_t.{extension}"),
        content_type="image/png" if drawing else "image/jpeg",
        size=len(photo.full), width=photo.width, height=photo.height,
        created_by_id=getattr(by, "id", None))
    db.session.add(attachment)
    db.session.flush()
    return attachment


def save_document(file_storage, *, entity_type: str, entity_id: int, site_id: int | None,
                  by) -> Attachment:
    """A PDF (procedures, manuals), checked by its content; photos go through save_image."""
    data = file_storage.read(MAX_DOCUMENT_BYTES + 1)
    if not data.startswith(b"%PDF-"):
        raise UploadError(_l("Only PDF documents and photos can be attached."))
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UploadError(_l("The document is larger than %(mb)d MB.",
                             mb=MAX_DOCUMENT_BYTES // (1024 * 1024)))
    attachment = Attachment(
        entity_type=entity_type, entity_id=entity_id, site_id=site_id,
        original_name=clean_file_name(file_storage.filename, "document.pdf"),
        stored_name=_store(data, f"{secrets.token_hex(16)}.pdf"), thumb_name="",
        content_type="application/pdf", size=len(data), width=0, height=0,
        created_by_id=getattr(by, "id", None))
    db.session.add(attachment)
    db.session.flush()
    return attachment


def save_file(file_storage, **kwargs) -> Attachment:
    """A photo or a PDF, whichever the content is."""
    if is_pdf(file_storage):
        return save_document(file_storage, **kwargs)
    return save_image(file_storage, **kwargs)


def copy_attachment(attachment: Attachment, *, entity_type: str, entity_id: int,
                    site_id: int | None) -> Attachment:
    """The same file for another record, as a file of its own (each record's files live and
    go with it: `sweep` removes a file once no row names it)."""
    folder = upload_dir()
    stem = secrets.token_hex(16)
    extension = attachment.stored_name.rsplit(".", 1)[-1]
    copy = Attachment(
        entity_type=entity_type, entity_id=entity_id, site_id=site_id,
        original_name=attachment.original_name,
        stored_name=_store((folder / attachment.stored_name).read_bytes(),
                           f"{stem}.{extension}"),
        thumb_name=_store((folder / attachment.thumb_name).read_bytes(),
                          f"{stem}_t.{extension}") if attachment.thumb_name else "",
        content_type=attachment.content_type, size=attachment.size, width=attachment.width,
        height=attachment.height, created_by_id=attachment.created_by_id)
    db.session.add(copy)
    db.session.flush()
    return copy


def attachments_for(entity_type: str, entity_id: int):
    return (select(Attachment)
            .where(Attachment.entity_type == entity_type, Attachment.entity_id == entity_id)
            .order_by(Attachment.created_at, Attachment.id))


def sweep(older_than_seconds: int = 3600) -> int:
    """Remove files no record points to: partial files of requests that never committed (a
    killed worker), and any file whose record is gone. Recent files are left alone: their
    request may still be running."""
    folder = upload_dir()
    known = set(db.session.scalars(select(Attachment.stored_name)))
    known |= set(db.session.scalars(select(Attachment.thumb_name)))
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in folder.iterdir():
        if not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        if path.name.endswith(PARTIAL) or path.name not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
