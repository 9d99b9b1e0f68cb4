"""Static URLs carry a content hash, so browsers may cache them for a year."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, request, url_for


@cache
def _version(static_folder: str, filename: str) -> str:
    """The file's content hash, read once per process (a page names seven static files:
    no stat or hash per page). The development server clears it on start (`init_app`)."""
    path = Path(static_folder) / filename
    if not path.is_file():
        return "missing"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    version = _version(current_app.static_folder, filename)
    return url_for("static", filename=filename, v=version)


def init_app(app: Flask) -> None:
    if app.debug:
        _version.cache_clear()
    app.jinja_env.globals["asset_url"] = asset_url

    @app.after_request
    def _versioned_static_is_immutable(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = 365 * 86400
            response.cache_control.immutable = True
        return response
