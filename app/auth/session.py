"""Flask-Login wiring: a cookie names a server-side LoginSession, which can be ended."""

from flask import Flask, make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import LoginSession, User, hash_token
from app.core.models import utcnow
from app.core.urls import own_page
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
    it as a whole page instead. Only a page that can be opened again (a GET) is the way back.
    """
    if request.htmx:
        back = own_page(request.htmx.current_url) or url_for("dashboard.home")
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for("auth.login", next=back)
        return response
    back = request.full_path.rstrip("?") if request.method == "GET" else (
        own_page(request.referrer) or url_for("dashboard.home"))
    return redirect(url_for("auth.login", next=back), 303)


def init_login(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = None  # the server-side session is the protection
