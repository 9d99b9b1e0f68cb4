"""Sign-in throttling: failed attempts only, per account and per client address.

A crew signing in behind one site Wi-Fi is never refused for succeeding; many addresses
guessing one account's password (SIGNIN_ACCOUNT_LIMIT) and one address guessing many
(SIGNIN_RATE_LIMIT) are. A wrong current password on the password-change form counts against
the account like a failed sign-in. Counted in the database (core.throttle): every worker
sees the same count.
"""

from datetime import timedelta

from flask import current_app

from app.auth.models import User
from app.core import throttle

ACCOUNT, ADDRESS = "signin-account", "signin-address"


def account_of(login: str, user: User | None = None) -> str:
    """One key per account, whether it was named by username or by e-mail."""
    return (user.username if user is not None else login or "").strip().lower()[:254]


def wait_before_attempt(account: str) -> timedelta:
    config = current_app.config
    return max(throttle.wait_for(ACCOUNT, account, config["SIGNIN_ACCOUNT_LIMIT"]),
               throttle.wait_for(ADDRESS, throttle.client_address(),
                                 config["SIGNIN_RATE_LIMIT"]))


def record_failure(account: str) -> None:
    throttle.record(ACCOUNT, account)
    throttle.record(ADDRESS, throttle.client_address())


def forget_failures(account: str) -> None:
    """A successful sign-in clears its account's failures (not those of its address)."""
    throttle.forget(ACCOUNT, account)
