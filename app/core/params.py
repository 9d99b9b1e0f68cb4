"""Query-string values for filters: cleaned, bounded, never an error."""

from datetime import date

from flask import request

from app.core.forms import strip_control_characters


def text_arg(name: str, limit: int = 100) -> str:
    return strip_control_characters(request.args.get(name, ""))[:limit].strip()


def int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value < 2**31 else None


def date_arg(name: str) -> date | None:
    """A day (YYYY-MM-DD) of this century, or None: a year 1 or 9999 cannot be moved between
    time zones."""
    try:
        day = date.fromisoformat(text_arg(name, 10))
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None
