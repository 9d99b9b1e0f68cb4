"""Flask-Login wiring: a cookie names a server-side LoginSession, which can be ended."""

from flask import Flask, make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import LoginSession, User, hash_token
from app.core.models import utcnow
from app.extensions import db, login_manager


def load_user(token: str):
    """The signed-in user of this request, with its sites, in one query."""
    row = db.session.scalars(
        select(LoginSession).where(LoginSession.token_hash == hash_token(token))
        .options(joinedload(LoginSession.user).joinedload(User.sites))
    ).unique().first()
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    row.user._session_token = token
    return row.user


def unauthorized():
    """Send the person to sign in, and back here afterwards.

    An htmx request must not get the sign-in page swapped into a fragment: tell htmx to load
    it as a whole page instead.
    """
    if request.htmx:
        back = request.htmx.current_url or url_for("dashboard.home")
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for("auth.login", next=_local_path(back))
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")), 303)


def _local_path(url: str) -> str:
    """Only a path on this server may be a `next` target (no open redirect)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def init_login(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = None  # the server-side session is the protection
