"""Paginated lists: every list page uses this, so none loads all rows."""

from flask import current_app, request

from app.extensions import db


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def paginate(statement, per_page: int | None = None):
    """A Flask-SQLAlchemy Pagination of `statement` for ?page=N (out of range: empty page)."""
    return db.paginate(
        statement,
        page=page_number(),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
        max_per_page=100,
    )
