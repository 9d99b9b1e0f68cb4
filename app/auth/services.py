"""Users and sign-in sessions. Plain functions: no request, no flash, no commit."""

import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import LoginSession, User, hash_token
from app.core import audit
from app.core.domain import DomainError
from app.core.models import utcnow
from app.core.permissions import ROLES
from app.extensions import db

SESSION_HOURS = 16  # one long shift
REMEMBER_DAYS = 30
USER_FIELDS = ("username", "name", "email", "roles", "language", "active")


@cache
def common_passwords() -> frozenset[str]:
    text = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is refused, or None. At least 8 characters, not common, not the name."""
    if len(password) < 8:
        return _l("Use at least 8 characters.")
    if len(password) > 128:
        return _l("Use at most 128 characters.")
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return _l("This password is too common. Choose another.")
    if username and username.lower() in lowered:
        return _l("The password must not contain the username.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_by_login(login: str) -> User | None:
    login = login.strip().lower()
    return db.session.scalar(
        select(User).where((func.lower(User.username) == login) | (func.lower(User.email) == login))
    )


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password", method=method)


def authenticate(login: str, password: str) -> User | None:
    user = find_by_login(login)
    if user is None:
        # Same work as for a real user, so the time taken does not reveal who exists.
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def start_session(user: User, *, remember: bool, user_agent: str = "") -> str:
    """A new server-side session; returns the token the cookie will carry."""
    # Expired sessions of this user are cleared here, so the table never grows without bound.
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id,
                                                  LoginSession.expires_at < utcnow()))
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=REMEMBER_DAYS) if remember else timedelta(hours=SESSION_HOURS)
    db.session.add(LoginSession(
        user_id=user.id, token_hash=hash_token(token), expires_at=utcnow() + lifetime,
        remember=remember, user_agent=user_agent[:200],
    ))
    user.last_sign_in_at = utcnow()
    user._session_token = token
    audit.record(user, "sign_in", user, summary=user.username)
    return token


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == hash_token(token)))


def end_all_sessions(user: User, keep_token: str | None = None) -> None:
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        statement = statement.where(LoginSession.token_hash != hash_token(keep_token))
    db.session.execute(statement)


def _normalise_roles(roles) -> str:
    chosen = [role for role in ROLES if role in set(roles)]
    return " ".join(chosen or ["staff"])


def _check_unique(username: str, email: str | None, exclude_id: int | None = None) -> None:
    def taken(column, value):
        statement = select(User.id).where(func.lower(column) == value.lower())
        if exclude_id is not None:
            statement = statement.where(User.id != exclude_id)
        return db.session.scalar(statement) is not None

    if taken(User.username, username):
        raise DomainError(_l("This username is already taken."), field="username")
    if email and taken(User.email, email):
        raise DomainError(_l("Another user already has this e-mail address."), field="email")


def create_user(*, username: str, name: str, password: str, roles, sites=(), email=None,
                language=None, by=None) -> User:
    username = username.strip().lower()
    email = (email or "").strip().lower() or None
    _check_unique(username, email)
    if problem := password_problem(password, username):
        raise DomainError(problem)
    user = User(username=username, name=name.strip(), email=email, language=language or None,
                password_hash=hash_password(password), roles=_normalise_roles(roles),
                sites=list(sites))
    db.session.add(user)
    db.session.flush()
    audit.record(by, "create", user, summary=username,
                 after=audit.snapshot(user, USER_FIELDS) | {"sites": [s.code for s in sites]})
    return user


def update_user(user: User, *, name: str, email, roles, sites, language, by) -> None:
    if getattr(by, "id", None) == user.id and "admin" in user.role_set and "admin" not in roles:
        raise DomainError(_l("You cannot remove your own administrator role."), field="roles")
    email = (email or "").strip().lower() or None
    _check_unique(user.username, email, exclude_id=user.id)
    before = audit.snapshot(user, USER_FIELDS) | {"sites": [s.code for s in user.sites]}
    user.name = name.strip()
    user.email = email
    user.roles = _normalise_roles(roles)
    user.sites = list(sites)
    user.language = language or None
    after = audit.snapshot(user, USER_FIELDS) | {"sites": [s.code for s in user.sites]}
    old, new = audit.changes(before, after)
    if new:
        audit.record(by, "update", user, summary=user.username, before=old, after=new)


def update_profile(user: User, *, name: str, email, language) -> None:
    update_user(user, name=name, email=email, roles=user.role_set, sites=user.sites,
                language=language, by=user)


def set_password(user: User, password: str, *, by, keep_token: str | None = None) -> None:
    """A new password ends every other session of the user (and all of them on a reset)."""
    if problem := password_problem(password, user.username):
        raise DomainError(problem)
    user.password_hash = hash_password(password)
    end_all_sessions(user, keep_token=keep_token)
    action = "change_password" if by is user else "reset_password"
    audit.record(by, action, user, summary=user.username)


def set_active(user: User, active: bool, *, by) -> None:
    if user.active == active:
        return
    user.active = active
    if not active:
        end_all_sessions(user)
    audit.record(by, "reactivate" if active else "deactivate", user, summary=user.username,
                 before={"active": not active}, after={"active": active})


def set_language(user: User, language: str) -> None:
    if user.language != language:
        user.language = language
