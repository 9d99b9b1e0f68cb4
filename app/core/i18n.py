"""Language and time zone for each request; datetime filters for templates."""

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, get_locale, get_timezone
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文"}


def select_locale() -> str:
    """The profile's language, else the one picked on the sign-in page, else Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI: English
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("language") in languages:
        return session["language"]
    # Werkzeug matches zh-CN, zh-SG and zh to "zh" by the primary tag.
    best = request.accept_languages.best_match(["en", "zh"], default="en")
    return "zh_Hans" if best == "zh" else "en"


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_local(value: datetime | None, tz: str | None = None, fmt: str = "medium") -> str:
    """A UTC datetime shown in `tz` (a site's zone) or the user's zone, in the user's language."""
    if value is None:
        return ""
    zone = ZoneInfo(tz) if tz else get_timezone()
    return babel_dates.format_datetime(_aware(value), fmt, tzinfo=zone, locale=get_locale())


def day_text(value, fmt: str = "medium") -> str:
    """A date in the user's language; a page lists the same few days many times (a calendar,
    a list of due dates), and Babel takes some 30 us a date: each day is worded once per
    language and format. A datetime goes through Flask-Babel (the user's zone decides its
    day)."""
    if not value:
        return ""
    if isinstance(value, datetime) or not isinstance(value, date):
        return format_date(value, fmt)
    return _worded_day(value, fmt, str(get_locale()))


@lru_cache(maxsize=4096)
def _worded_day(value: date, fmt: str, locale: str) -> str:
    return babel_dates.format_date(value, fmt, locale=locale)


def html_lang() -> str:
    return "zh-Hans" if str(get_locale()) == "zh_Hans" else "en"


def init_app(app: Flask) -> None:
    from app.core.audit import describer

    app.jinja_env.filters["local"] = format_local
    app.jinja_env.filters["pair"] = lambda value, labels: (value, labels[value])
    app.jinja_env.filters["day"] = day_text
    app.jinja_env.filters["full_day"] = lambda value: day_text(value, "full")
    app.jinja_env.filters["short_day"] = lambda value: day_text(value, "EEE d")
    from app.core.charts import number_text

    app.jinja_env.filters["chart_number"] = number_text
    app.jinja_env.globals["audit_describer"] = describer

    app.jinja_env.globals.update(html_lang=html_lang, LANGUAGE_NAMES=LANGUAGE_NAMES)


def local_to_utc(value: datetime, tz: str) -> datetime:
    """A wall-clock time typed at a site -> naive UTC for storage."""
    return value.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(value: datetime, tz: str) -> datetime:
    """Naive UTC from storage -> the site's wall-clock time (naive), for form inputs."""
    return _aware(value).astimezone(ZoneInfo(tz)).replace(tzinfo=None)
