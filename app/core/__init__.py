"""Shared mechanisms with no domain knowledge: rendering, audit, attachments, permissions."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from app.core import views  # noqa: E402,F401  (routes register on import)
