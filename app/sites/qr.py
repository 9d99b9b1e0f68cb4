"""QR codes for labels (locations, assets), as SVG (segno: pure Python, no image library)."""

from functools import lru_cache
from io import BytesIO

import segno
from flask import current_app, make_response, url_for


def absolute_url(endpoint: str, **values) -> str:
    """The absolute URL a label encodes; BASE_URL wins when the app sits behind a proxy."""
    base = current_app.config.get("BASE_URL")
    return base.rstrip("/") + url_for(endpoint, **values) if base else url_for(
        endpoint, **values, _external=True)


def location_url(location) -> str:
    return absolute_url("sites.location_detail", public_id=location.public_id)


@lru_cache(maxsize=4096)
def qr_svg(data: str) -> bytes:
    """A standalone SVG document (served as an image, so it keeps its XML namespace)."""
    out = BytesIO()
    segno.make(data, error="m", micro=False).save(out, kind="svg", scale=4, border=2,
                                                   xmldecl=False, title="QR")
    return out.getvalue()


def qr_response(data: str):
    """A label's QR code as an image response, cached by the browser for a day."""
    response = make_response(qr_svg(data))
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
