"""Create POSTs carry an idempotency key; a replay gets the first answer and creates nothing.

The key comes from the `Idempotency-Key` header (htmx, the offline queue) or the hidden
`idempotency_key` field (forms without JavaScript). The stored answer is written in the same
transaction as the record it created, so either both land or neither does.
"""

from functools import wraps

from flask import make_response, request
from flask_login import current_user
from sqlalchemy import select

from app.core.forms import strip_control_characters
from app.core.models import IdempotencyKey
from app.extensions import db

KEEP_HEADERS = ("Location", "HX-Location", "HX-Redirect", "HX-Trigger")


def _key() -> str | None:
    key = request.headers.get("Idempotency-Key") or request.form.get("idempotency_key") or ""
    key = strip_control_characters(key).strip()[:80]
    return key or None


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _replay(stored: IdempotencyKey):
    response = make_response(stored.body or "", stored.status)
    for name, value in (stored.headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _store(key: str, response) -> None:
    headers = {h: response.headers[h] for h in KEEP_HEADERS if h in response.headers}
    body = None
    if 200 <= response.status_code < 300 and not response.direct_passthrough:
        body = response.get_data(as_text=True)
    db.session.add(IdempotencyKey(
        user_id=_user_id(), key=key, endpoint=request.endpoint or "", status=response.status_code,
        location=headers.get("Location"), headers=headers, body=body,
    ))


def idempotent(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        key = _key()
        if request.method != "POST" or key is None:
            return view(*args, **kwargs)
        stored = db.session.scalar(select(IdempotencyKey).where(
            IdempotencyKey.user_id.is_(None) if _user_id() is None
            else IdempotencyKey.user_id == _user_id(),
            IdempotencyKey.endpoint == request.endpoint,
            IdempotencyKey.key == key,
        ))
        if stored is not None:
            return _replay(stored)
        response = make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 400:
            _store(key, response)
        return response

    return wrapped
