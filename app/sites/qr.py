"""QR codes for location labels, as SVG (segno: pure Python, no image library needed)."""

from functools import lru_cache
from io import BytesIO

import segno
from flask import current_app, url_for


def location_url(location) -> str:
    """The absolute URL a label encodes; BASE_URL wins when the app sits behind a proxy."""
    path = url_for("sites.location_detail", public_id=location.public_id)
    base = current_app.config.get("BASE_URL")
    return base.rstrip("/") + path if base else url_for(
        "sites.location_detail", public_id=location.public_id, _external=True)


@lru_cache(maxsize=4096)
def qr_svg(data: str) -> bytes:
    """A standalone SVG document (served as an image, so it keeps its XML namespace)."""
    out = BytesIO()
    segno.make(data, error="m", micro=False).save(out, kind="svg", scale=4, border=2,
                                                   xmldecl=False, title="QR")
    return out.getvalue()
