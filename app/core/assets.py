"""Static URLs carry a content hash, so browsers may cache them for a year."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for


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
