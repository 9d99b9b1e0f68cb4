"""Limits on how often something may be tried, counted in the database.

The count lives in the `attempt` table, so every worker and every server sees the same
count without a shared cache (an in-memory counter per worker lets N times the limit
through). Limits are written as `limits` strings ("10 per minute;50 per hour"). An attempt
that is refused, or whose answer is an error, is still counted: it is kept outside the
request's transaction (`core.db.keep_even_if_refused`).
"""

from datetime import timedelta
from functools import wraps

from flask import current_app, request
from flask_babel import format_timedelta
from flask_babel import gettext as _
from limits import parse_many
from sqlalchemy import delete, select
from werkzeug.exceptions import HTTPException

from app.core.db import keep_even_if_refused
from app.core.models import Attempt, utcnow
from app.extensions import db


class Throttled(HTTPException):
    """429 with the real wait, shown on the error page (or by the view that catches it)."""

    code = 429

    def __init__(self, wait: timedelta):
        super().__init__(description=wait_message(wait))
        self.wait = wait


def _parse(limits: str) -> list[tuple[int, timedelta]]:
    return [(item.amount, timedelta(seconds=item.get_expiry())) for item in parse_many(limits)]


def wait_for(scope: str, key: str, limits: str) -> timedelta:
    """How long until the attempts of `key` are below every limit again (zero: now)."""
    parsed = _parse(limits)
    now = utcnow()
    longest = max((window for _amount, window in parsed), default=timedelta(0))
    times = db.session.scalars(select(Attempt.at).where(
        Attempt.scope == scope, Attempt.key == key[:254], Attempt.at > now - longest)
        .order_by(Attempt.at)).all()
    wait = timedelta(0)
    for amount, window in parsed:
        recent = [at for at in times if at > now - window]
        if len(recent) >= amount:
            # Allowed again when enough of them have aged out of the window.
            wait = max(wait, recent[len(recent) - amount] + window - now)
    return wait


def record(scope: str, key: str) -> None:
    keep_even_if_refused(Attempt(scope=scope, key=key[:254]))


def forget(scope: str, key: str) -> None:
    db.session.execute(delete(Attempt).where(Attempt.scope == scope, Attempt.key == key[:254]))


def purge(older_than: timedelta = timedelta(days=1)) -> int:
    return db.session.execute(delete(Attempt).where(Attempt.at < utcnow() - older_than)).rowcount


def wait_text(wait: timedelta) -> str:
    """"15 minutes", "1 hour", in the reader's language; rounded up, never "0 minutes"."""
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return format_timedelta(timedelta(minutes=minutes), granularity="minute", threshold=2)


def wait_message(wait: timedelta) -> str:
    return _("Too many attempts in a short time. Try again in %(wait)s.", wait=wait_text(wait))


def client_address() -> str:
    return (request.remote_addr or "")[:64]


def limited(scope: str, setting: str, methods=("POST",)):
    """Every `methods` request of a client address counts; past the limit (the config value
    `setting`), the answer is 429 with the real wait."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if request.method in methods:
                address = client_address()
                wait = wait_for(scope, address, current_app.config[setting])
                if wait:
                    raise Throttled(wait)
                record(scope, address)
            return view(*args, **kwargs)

        return wrapped

    return decorator
