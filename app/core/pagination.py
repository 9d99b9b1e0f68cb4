"""Paginated lists: every list page uses this, so none loads all rows."""

from urllib.parse import urlencode

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from app.extensions import db

MAX_PAGE = 100_000  # an absurd ?page= must not overflow the database's OFFSET


def page_number() -> int:
    try:
        return min(max(1, int(request.args.get("page", 1))), MAX_PAGE)
    except ValueError:
        return 1


class RowPagination(SelectPagination):
    """Pages of whole rows (an entity with computed columns), not of scalars."""

    def _query_items(self):
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate(statement, per_page: int | None = None, rows: bool = False):
    """A page of `statement` for ?page=N (past the end: an empty page, never an error)."""
    per_page = min(per_page or current_app.config["PER_PAGE"], 100)
    if rows:
        return RowPagination(select=statement, session=db.session, page=page_number(),
                             per_page=per_page, error_out=False)
    return db.paginate(statement, page=page_number(), per_page=per_page, error_out=False)


def page_url(number: int) -> str:
    """This page's URL with its filters and another page number (query string re-encoded)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
    return f"{request.path}?{urlencode([*args, ('page', number)])}"


def init_app(app) -> None:
    app.jinja_env.globals["page_url"] = page_url
