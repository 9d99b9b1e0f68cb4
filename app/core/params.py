"""Query-string values for filters: cleaned, bounded, never an error."""

from flask import request

from app.core.forms import strip_control_characters


def text_arg(name: str, limit: int = 100) -> str:
    return strip_control_characters(request.args.get(name, ""))[:limit].strip()


def int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value < 2**31 else None
