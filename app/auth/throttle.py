"""Sign-in throttling that holds across workers: failures are counted in the database.

Two limits, both on *failed* attempts only (a crew signing in behind one site Wi-Fi is never
refused for succeeding): per account (SIGNIN_ACCOUNT_LIMIT, against many addresses guessing
one password) and per client address (SIGNIN_RATE_LIMIT, against one address guessing many).
A refused attempt is told the real wait. A wrong current password on the password-change form
counts against the account like a failed sign-in.
"""

from datetime import timedelta

from flask import current_app
from limits import parse_many
from sqlalchemy import delete, select

from app.auth.models import SignInFailure, User
from app.core.db import keep_even_if_refused
from app.core.models import utcnow
from app.extensions import db


def account_of(login: str, user: User | None = None) -> str:
    """One key per account, whether it was named by username or by e-mail."""
    return (user.username if user is not None else login or "").strip().lower()[:254]


def _limits(setting: str) -> list[tuple[int, timedelta]]:
    return [(item.amount, timedelta(seconds=item.get_expiry()))
            for item in parse_many(current_app.config[setting])]


def _wait(column, value: str, limits) -> timedelta:
    """How long until the failures of `value` are below every limit again (zero: now)."""
    now = utcnow()
    longest = max((window for _amount, window in limits), default=timedelta(0))
    times = db.session.scalars(select(SignInFailure.at).where(
        column == value, SignInFailure.at > now - longest).order_by(SignInFailure.at)).all()
    wait = timedelta(0)
    for amount, window in limits:
        recent = [at for at in times if at > now - window]
        if len(recent) >= amount:
            # Allowed again when enough of them have aged out of the window.
            wait = max(wait, recent[len(recent) - amount] + window - now)
    return wait


def wait_before_attempt(account: str, address: str) -> timedelta:
    return max(_wait(SignInFailure.account, account, _limits("SIGNIN_ACCOUNT_LIMIT")),
               _wait(SignInFailure.address, address or "", _limits("SIGNIN_RATE_LIMIT")))


def record_failure(account: str, address: str) -> None:
    """Kept even though the answer is an error and the request's transaction rolls back."""
    keep_even_if_refused(SignInFailure(account=account, address=(address or "")[:64]))


def forget_failures(account: str) -> None:
    """A successful sign-in clears its account's failures (not those of its address)."""
    db.session.execute(delete(SignInFailure).where(SignInFailure.account == account))


def purge(older_than: timedelta = timedelta(days=1)) -> int:
    return db.session.execute(delete(SignInFailure).where(
        SignInFailure.at < utcnow() - older_than)).rowcount
