"""Create POSTs carry an idempotency key; a replay gets the first answer and creates nothing.

The key comes from the `Idempotency-Key` header (htmx, the offline queue) or the hidden
`idempotency_key` field (forms without JavaScript). It is scoped to its owner (the user, or for
a visitor without an account the browser session) and the URL posted to; the scope is one
non-null string, so the unique constraint holds for visitors too (NULLs never collide).
The key is reserved before the view runs and its answer is written in the same transaction
as the record it created, so either both land or neither does; a concurrent duplicate waits
on the reservation and then replays the first answer.
"""

import hashlib
import secrets
from functools import wraps

from flask import make_response, request, session
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.forms import strip_control_characters
from app.core.models import IdempotencyKey
from app.extensions import db

KEEP_HEADERS = ("Location", "HX-Location", "HX-Redirect", "HX-Trigger")
IN_FLIGHT = 0  # status of a reservation whose request has not finished


def _key() -> str | None:
    key = request.headers.get("Idempotency-Key") or request.form.get("idempotency_key") or ""
    key = strip_control_characters(key).strip()[:80]
    return key or None


def visitor_id() -> str:
    """Who a visitor without an account is: an id in the browser session.

    Made when the form is shown (IdempotentForm), not when it is sent: the answer to the
    first POST may be lost, and its retry must carry the same id to be recognised.
    """
    return session.setdefault("anonymous_id", secrets.token_hex(8))


def owner() -> str:
    """Who sent the form: the user, or the visitor's browser session."""
    return f"user:{current_user.id}" if current_user.is_authenticated else \
        f"visitor:{visitor_id()}"


def _scope() -> str:
    """Owner, endpoint and exact path: one key reused on another record, or by someone else,
    is another request; one visitor is never answered with another's first answer."""
    digest = hashlib.sha256(f"{owner()}:{request.path}".encode()).hexdigest()[:24]
    return f"{request.endpoint}:{digest}"[:80]


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _find(key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.endpoint == _scope(), IdempotencyKey.key == key))


def _replay(stored: IdempotencyKey):
    if stored.status == IN_FLIGHT:  # the first request is still running (or failed)
        return make_response("", 409)
    response = make_response(stored.body or "", stored.status)
    for name, value in (stored.headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _reserve(key: str) -> IdempotencyKey | None:
    """Claim the key for this request; None when another request holds it already."""
    reservation = IdempotencyKey(user_id=_user_id(), key=key, endpoint=_scope(),
                                 status=IN_FLIGHT)
    try:
        with db.session.begin_nested():
            db.session.add(reservation)
    except IntegrityError:
        return None
    return reservation


def _record(reservation: IdempotencyKey, response) -> None:
    headers = {h: response.headers[h] for h in KEEP_HEADERS if h in response.headers}
    reservation.status = response.status_code
    reservation.location = headers.get("Location")
    reservation.headers = headers
    if 200 <= response.status_code < 300 and not response.direct_passthrough:
        reservation.body = response.get_data(as_text=True)


def idempotent(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        key = _key()
        if request.method != "POST" or key is None:
            return view(*args, **kwargs)
        stored = _find(key)
        if stored is not None:
            return _replay(stored)
        reservation = _reserve(key)
        if reservation is None:  # a concurrent duplicate finished first: answer as it did
            db.session.rollback()
            stored = _find(key)
            return _replay(stored) if stored else make_response("", 409)
        response = make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 400:
            _record(reservation, response)
        # An error answer rolls the transaction back, reservation included: a retry may run.
        return response

    return wrapped
