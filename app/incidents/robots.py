"""Keeping robots off the public request form without an outside service: a trap field, and
a stamp that ties the form to this site and this browser session and says when it was shown
(people take longer than a few seconds to fill it in; robots do not)."""

import secrets

from flask import current_app, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

MIN_SECONDS_TO_FILL = 3
STAMP_MAX_AGE = 86400  # a day-old page gets a fresh form


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="public-request")


def new_stamp(site) -> str:
    nonce = session.setdefault("request_nonce", secrets.token_hex(8))
    return _serializer().dumps([site.code, nonce])


def looks_like_spam(*, trap: str, stamp: str, site) -> bool:
    if trap:
        return True
    try:
        stamped = _serializer().loads(stamp or "", max_age=STAMP_MAX_AGE)
    except BadSignature:  # expired or forged
        return True
    if stamped != [site.code, session.get("request_nonce")]:
        return True
    try:
        # Timestamps count whole seconds and "expired" means older than max_age: a form sent
        # 3 s after it was shown is at least 2 s old whatever the rounding.
        _serializer().loads(stamp, max_age=MIN_SECONDS_TO_FILL - 1)
    except SignatureExpired:
        return False
    return True
