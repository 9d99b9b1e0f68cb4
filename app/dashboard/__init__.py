"""The role-aware home screen (KPIs arrive with the domains that produce them)."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from app.dashboard import views  # noqa: E402,F401
