"""An inspection's report as a PDF, made on the server with WeasyPrint, only when asked for.

The page is the report's own HTML with a print stylesheet; the font is Noto Sans CJK SC (with
only `lang="zh-Hans"` fontconfig picks the Japanese forms of Chinese characters). WeasyPrint
may fetch nothing but the app's own static files and the report's own photos (`_fetch`);
photos go in downscaled (`dpi`, `jpeg_quality`).
"""

import mimetypes
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core.attachments import may_open, upload_dir
from app.core.domain import DomainError
from app.core.queries import attachment_by_public_id
from app.extensions import db

BASE_URL = "http://fieldbook.invalid/"  # relative links resolve here; nothing is fetched from it
PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk"


class PdfUnavailable(DomainError):
    """WeasyPrint's system libraries are missing on this server."""


def render(html: str, user) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as error:  # pango missing: say which packages make it work
        raise PdfUnavailable(_l("PDF reports need these Debian packages on the server: "
                                "%(packages)s.", packages=PACKAGES)) from error
    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher(user)).write_pdf(
        dpi=150, jpeg_quality=80)


def _fetcher(user):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OwnFilesOnly(URLFetcher):
        """The app's static files and the user's attachments; nothing from the network."""

        def fetch(self, url, headers=None):
            path = urlsplit(url).path
            if url.startswith(BASE_URL) and path.startswith("/static/"):
                body, mime_type = _static_file(path.removeprefix("/static/"))
            elif url.startswith(BASE_URL) and path.startswith("/attachments/"):
                body, mime_type = _attachment_file(path, user)
            else:
                raise ValueError(f"not fetched: {url[:80]}")  # WeasyPrint leaves it out
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})

    return OwnFilesOnly(allowed_protocols=("http",))


def _static_file(name: str) -> tuple[bytes, str]:
    root = Path(current_app.static_folder).resolve()
    path = (root / name).resolve()
    if root not in path.parents or not path.is_file():
        raise ValueError("not a static file")
    return path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _attachment_file(path: str, user) -> tuple[bytes, str]:
    """/attachments/<public id>[/thumb]: a photo of the report, if the user may open it."""
    parts = path.strip("/").split("/")
    try:
        public_id = uuid.UUID(parts[1])
    except (IndexError, ValueError):
        raise ValueError("not an attachment") from None
    attachment = db.session.scalar(attachment_by_public_id(public_id))
    if attachment is None or not may_open(user, attachment):
        raise ValueError("not this user's attachment")
    name = attachment.thumb_name if parts[-1] == "thumb" and attachment.thumb_name else \
        attachment.stored_name
    return (upload_dir() / name).read_bytes(), attachment.content_type
