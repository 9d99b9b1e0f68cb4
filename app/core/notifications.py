"""In-app notifications: stored as a kind and parameters, worded in the reader's language."""

import re

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select, update

from app.core import mail
from app.core.models import Notification, utcnow
from app.extensions import db

MENTION = re.compile(r"@([A-Za-z0-9._-]{3,40})")

# kind -> sentence; each domain adds the kinds it sends.
MESSAGES: dict = {}


def register(kind: str, sentence) -> None:
    MESSAGES[kind] = sentence


def notify(users, kind: str, *, link: str = "", exclude=None, **params) -> int:
    """Tell each user once (never the person who caused it); returns how many were told."""
    if kind not in MESSAGES:
        raise KeyError(f"unknown notification kind {kind!r}")
    told = set()
    for user in users:
        if user is None or user.id in told or (exclude is not None and user.id == exclude.id):
            continue
        told.add(user.id)
        notification = Notification(user_id=user.id, kind=kind, params=params, link=link)
        db.session.add(notification)
        if mail.enabled() and user.email and user.active:
            _queue_mail(user, notification)
    return len(told)


def mentioned_usernames(text: str) -> set[str]:
    """The @usernames a comment names (lower case): the people it tells."""
    return {name.lower() for name in MENTION.findall(text or "")}


def _queue_mail(user, notification: Notification) -> None:
    """The same words, in the reader's own language, with a link back into the app."""
    with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = text_of(notification)
    base = current_app.config["BASE_URL"].rstrip("/")
    mail.queue(user.email, f"Fieldbook: {text}", f"{text}\n\n{base}{notification.link}\n")


def text_of(notification: Notification) -> str:
    sentence = MESSAGES.get(notification.kind, _l("Something needs your attention."))
    try:
        return str(sentence) % notification.params
    except (KeyError, TypeError, ValueError):
        return str(sentence)


def unread_count(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


NOTIFICATION_ORDER = (Notification.created_at.desc(), Notification.id.desc())


def recent_for(user):
    return select(Notification).where(Notification.user_id == user.id).order_by(
        *NOTIFICATION_ORDER)


def mark_read(user, notification_id: int | None = None) -> None:
    statement = update(Notification).where(Notification.user_id == user.id,
                                           Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    db.session.execute(statement.values(read_at=utcnow()))


def _unread_for_current_user() -> int:
    return unread_count(current_user) if current_user.is_authenticated else 0


def init_app(app) -> None:
    app.jinja_env.globals["unread_notifications"] = _unread_for_current_user
