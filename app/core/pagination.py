"""Paginated lists: every list page uses this, so none loads all rows.

Long lists (incidents, requests, actions, the audit log, notifications; work orders, stock
movements and answers later) are paged by **keyset**: a page is "the next N rows after this
row in the list's order", found through the index that serves the order, as fast at the
thousandth page as at the first. The URL names the row the page starts after (`?older=` or
`?newer=`), so a row added or removed between two page loads neither repeats nor skips one.
Their size is a capped count ("1,000+"): counting every matching row of a big table on every
page is what made lists slow. Short lists (sites, locations, users) keep numbered pages.
"""

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, literal_column, select, tuple_
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import desc_op

from app.core.search import counting_form
from app.extensions import db

MAX_PAGE = 100_000  # an absurd ?page= must not overflow the database's OFFSET
COUNT_CAP = 1000  # lists say "1,000+" past this
CURSOR_ARGS = ("older", "newer")
SEPARATOR = "~"


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
    """A numbered page of a short list for ?page=N (past the end: an empty page)."""
    per_page = _per_page(per_page)
    if rows:
        return RowPagination(select=statement, session=db.session, page=page_number(),
                             per_page=per_page, error_out=False)
    return db.paginate(statement, page=page_number(), per_page=per_page, error_out=False)


def _per_page(per_page: int | None) -> int:
    return min(per_page or current_app.config["PER_PAGE"], 100)


# --- keyset pages ------------------------------------------------------------------------------

@dataclass
class KeysetPage:
    """One page of a long list: its rows, the cursors of the pages around it, a capped count."""

    items: list
    older: str | None  # cursor of the next page down the list (None: this is the last)
    newer: str | None  # cursor of the page before (None: this is the first)
    count: int  # matching rows, COUNT_CAP at most
    capped: bool  # there are more than COUNT_CAP
    counted: bool = True  # False: no count was made (keyset_page(counted=False))


@dataclass(frozen=True)
class Order:
    """A list's order: key columns, all ascending or all descending, the last one unique."""

    columns: tuple
    descending: bool
    read_key: object = None  # row -> key values, when they are not its attributes

    @classmethod
    def of(cls, *clauses, key_of=None) -> "Order":
        descending = {isinstance(c, UnaryExpression) and c.modifier is desc_op for c in clauses}
        if len(descending) != 1:
            raise ValueError("a keyset order runs one way")
        columns = tuple(c.element if isinstance(c, UnaryExpression) else c for c in clauses)
        return cls(columns, descending.pop(), key_of)

    def clauses(self, reverse: bool = False) -> list:
        down = self.descending != reverse
        return [column.desc() if down else column.asc() for column in self.columns]

    def after(self, values: tuple, reverse: bool = False):
        """Rows past `values` in this order (or before them when `reverse`)."""
        key, cursor = tuple_(*self.columns), tuple_(*values)
        return key < cursor if self.descending != reverse else key > cursor

    def key_of(self, item) -> tuple:
        if self.read_key is not None:
            return tuple(self.read_key(item))
        return tuple(getattr(item, column.key) for column in self.columns)


def keyset_page(statement, *order_by, per_page: int | None = None, key_of=None,
                counted: bool = True) -> KeysetPage:
    """A page of `statement` in `order_by` (for example `Incident.created_at.desc(),
    Incident.id.desc()`) after the row named by ?older= (or before ?newer=); a cursor that
    does not parse, or names no row, gives the first page. `key_of(row)` reads a row's key
    when the order's columns are not the row's attributes (a search index's key);
    `counted=False` leaves out the capped count, for a page that does not show it."""
    order, per_page = Order.of(*order_by, key_of=key_of), _per_page(per_page)
    statement = statement.order_by(None)
    direction, values = _cursor(order)
    items, more = _rows(statement, order, per_page, direction, values)
    if values is not None and not items:  # past either end (rows removed since): the first
        direction, values = None, None
        items, more = _rows(statement, order, per_page, direction, values)
    if direction == "newer":
        older, newer = _encode(order.key_of(items[-1])), more and _encode(order.key_of(items[0]))
    else:
        older = more and _encode(order.key_of(items[-1]))
        newer = values is not None and _encode(order.key_of(items[0]))
    count = capped_count(statement) if counted else 0  # a history that says no count
    return KeysetPage(items=items, older=older or None, newer=newer or None,
                      count=min(count, COUNT_CAP), capped=count > COUNT_CAP, counted=counted)


def _rows(statement, order: Order, per_page: int, direction, values) -> tuple[list, bool]:
    """Up to per_page rows in list order, and whether more lie beyond them that way."""
    backwards = direction == "newer"
    if values is not None:
        statement = statement.where(order.after(values, reverse=backwards))
    statement = statement.order_by(*order.clauses(reverse=backwards)).limit(per_page + 1)
    items = list(db.session.scalars(statement).unique())
    more, items = len(items) > per_page, items[:per_page]
    if backwards:
        items.reverse()
    return items, more


def capped_count(statement, cap: int = COUNT_CAP) -> int:
    """How many rows `statement` matches, counted no further than cap + 1."""
    # Only the rows' existence: no columns, no eager-loaded joins.
    limited = (counting_form(statement).order_by(None)
               .with_only_columns(literal_column("1"), maintain_column_froms=True)
               .limit(cap + 1).subquery())
    return db.session.scalar(select(func.count()).select_from(limited)) or 0


def _cursor(order: Order) -> tuple[str | None, tuple | None]:
    for direction in CURSOR_ARGS:
        raw = request.args.get(direction)
        if raw:
            values = _decode(raw, order)
            return (direction, values) if values is not None else (None, None)
    return None, None


def _encode(values: tuple) -> str:
    return SEPARATOR.join(v.isoformat() if isinstance(v, date) else str(v) for v in values)


def _decode(raw: str, order: Order) -> tuple | None:
    parts = raw[:200].split(SEPARATOR)
    if len(parts) != len(order.columns):
        return None
    try:
        return tuple(_parse(part, column.type.python_type)
                     for part, column in zip(parts, order.columns, strict=True))
    except (ValueError, OverflowError):
        return None


def _parse(text: str, python_type: type):
    if python_type is datetime:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    if python_type is date:
        return date.fromisoformat(text)
    if python_type is int:
        value = int(text)
        if abs(value) >= 2**63:
            raise OverflowError(text)
        return value
    return python_type(text)


# --- links ------------------------------------------------------------------------------------

def page_url(number: int) -> str:
    """This page's URL with its filters and another page number (query string re-encoded)."""
    return _with(("page", number), drop=("page",))


def cursor_url(direction: str, cursor: str) -> str:
    """This list's URL with its filters, starting after (or before) the row `cursor` names."""
    return _with((direction, cursor), drop=CURSOR_ARGS)


def _with(pair: tuple, drop: tuple) -> str:
    args = [(key, value) for key, value in request.args.items(multi=True) if key not in drop]
    return f"{request.path}?{urlencode([*args, pair])}"


def init_app(app) -> None:
    app.jinja_env.globals.update(page_url=page_url, cursor_url=cursor_url)
