"""Sites, their areas and locations, and QR labels that open a location's page."""

from flask import Blueprint

bp = Blueprint("sites", __name__)

from app.sites import views  # noqa: E402,F401
