"""Static URLs carry a content hash, so browsers may cache them for a year."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, request, url_for


@cache
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    path = Path(current_app.static_folder) / filename
    version = _digest(str(path)) if path.exists() else "missing"
    return url_for("static", filename=filename, v=version)


def init_app(app: Flask) -> None:
    if app.debug:
        _digest.cache_clear()
    app.jinja_env.globals["asset_url"] = asset_url

    @app.after_request
    def _versioned_static_is_immutable(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = 365 * 86400
            response.cache_control.immutable = True
        return response
