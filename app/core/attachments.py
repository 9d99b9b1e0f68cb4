"""Photos attached to records: decoded and re-encoded on the server, never trusted as sent.

An upload is accepted only when Pillow decodes it as an image (the name and the declared type
are ignored). It is turned upright by its EXIF orientation, re-encoded as JPEG without any
metadata (no GPS position or camera serial leaks), reduced to IMAGE_MAX_SIDE, and stored under
a random server-chosen name beside a thumbnail.
"""

import re
import secrets
import warnings
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from app.core.db import written_files
from app.core.models import Attachment
from app.extensions import db

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"}


# Every control character, CR and LF included (a name goes into a Content-Disposition header),
# and the Unicode line and paragraph separators.
_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean_file_name(name: str | None, default: str = "") -> str:
    """A file name as people see it, safe to store and to send back in a header."""
    cleaned = _UNSAFE_IN_NAME.sub("", name or "").strip()[:200]
    return cleaned or default


class UploadError(ValueError):
    """A file that is not an acceptable image; the message is shown to the user."""


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _decode(data: bytes) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = current_app.config["MAX_IMAGE_PIXELS"]
    try:
        with warnings.catch_warnings():  # the size is checked just below, before decoding
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(BytesIO(data))
        with probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise UploadError(_l("Only photos (JPEG, PNG, WebP, GIF) can be attached."))
            width, height = probe.size
            if width * height > current_app.config["MAX_IMAGE_PIXELS"]:
                # Checked before decoding: a small file can hold a huge picture.
                raise UploadError(_l("This photo has too many pixels."))
            probe.verify()
        image = Image.open(BytesIO(data))
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError) as error:
        if isinstance(error, UploadError):
            raise
        raise UploadError(_l("This file is not a photo that can be read.")) from error
    return image


def _to_jpeg(image: Image.Image, side: int) -> bytes:
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((side, side))
    # Pillow writes the source's comment (a JPEG COM segment) back unless told otherwise.
    image.info = {}
    out = BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)  # no exif= : metadata is dropped
    return out.getvalue()


def save_image(file_storage, *, entity_type: str, entity_id: int, site_id: int | None,
               by) -> Attachment:
    """Store one uploaded photo for a record; raises UploadError with a message for the user."""
    limit = current_app.config["MAX_IMAGE_BYTES"]
    data = file_storage.read(limit + 1)
    if not data:
        raise UploadError(_l("The file is empty."))
    if len(data) > limit:
        raise UploadError(_l("The photo is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    image = _decode(data)
    full = _to_jpeg(image, current_app.config["IMAGE_MAX_SIDE"])
    thumb = _to_jpeg(image, current_app.config["THUMB_SIDE"])
    width, height = Image.open(BytesIO(full)).size

    stem = secrets.token_hex(16)
    folder = upload_dir()
    for name, data in ((f"{stem}.jpg", full), (f"{stem}_t.jpg", thumb)):
        (folder / name).write_bytes(data)
        written_files().append(str(folder / name))  # removed again if the request fails
    attachment = Attachment(
        entity_type=entity_type, entity_id=entity_id, site_id=site_id,
        original_name=clean_file_name(file_storage.filename),
        stored_name=f"{stem}.jpg",
        thumb_name=f"{stem}_t.jpg", content_type="image/jpeg", size=len(full),
        width=width, height=height, created_by_id=getattr(by, "id", None),
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


# entity type -> rule(user, attachment) -> bool: who may open a file is who may open its record.
# Each domain registers the rule of each record kind it attaches files to; a kind without a
# rule is served to nobody, so a new domain cannot forget it.
_ACCESS_RULES: dict[str, Callable] = {}


def register_access(entity_type: str, rule: Callable) -> None:
    _ACCESS_RULES[entity_type] = rule


def may_open(user, attachment: Attachment) -> bool:
    rule = _ACCESS_RULES.get(attachment.entity_type)
    return rule is not None and bool(rule(user, attachment))


def attachments_for(entity_type: str, entity_id: int):
    return (select(Attachment)
            .where(Attachment.entity_type == entity_type, Attachment.entity_id == entity_id)
            .order_by(Attachment.created_at, Attachment.id))



MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def save_document(file_storage, *, entity_type: str, entity_id: int, site_id: int | None,
                  by) -> Attachment:
    """A PDF (procedures, manuals), checked by its content; photos go through save_image."""
    data = file_storage.read(MAX_DOCUMENT_BYTES + 1)
    if not data.startswith(b"%PDF-"):
        raise UploadError(_l("Only PDF documents and photos can be attached."))
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UploadError(_l("The document is larger than %(mb)d MB.",
                             mb=MAX_DOCUMENT_BYTES // (1024 * 1024)))
    name = f"{secrets.token_hex(16)}.pdf"
    path = upload_dir() / name
    path.write_bytes(data)
    written_files().append(str(path))
    attachment = Attachment(
        entity_type=entity_type, entity_id=entity_id, site_id=site_id,
        original_name=clean_file_name(file_storage.filename, "document.pdf"),
        stored_name=name, thumb_name="", content_type="application/pdf", size=len(data),
        width=0, height=0, created_by_id=getattr(by, "id", None))
    db.session.add(attachment)
    db.session.flush()
    return attachment


def save_file(file_storage, **kwargs) -> Attachment:
    """A photo or a PDF, whichever the content is."""
    head = file_storage.read(5)
    file_storage.seek(0)
    if head == b"%PDF-":
        return save_document(file_storage, **kwargs)
    return save_image(file_storage, **kwargs)
