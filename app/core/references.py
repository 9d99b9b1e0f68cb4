"""Human references such as INC-2026-000123: one counter row per prefix and year.

The counter row is locked for the rest of the transaction (FOR UPDATE on PostgreSQL; SQLite's
write transactions are serialised by BEGIN IMMEDIATE), so two reports never share a number.
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.models import Counter, utcnow
from app.extensions import db


def next_reference(prefix: str) -> str:
    return next_references(prefix, 1)[0]


def next_references(prefix: str, count: int) -> list[str]:
    """`count` references in a row, the counter locked and moved once (work generated in
    bulk: one counter update, not one per record)."""
    if count <= 0:
        return []
    year = utcnow().year
    counter = _locked_counter(prefix, year)
    first = counter.value + 1
    counter.value += count
    db.session.flush()
    return [f"{prefix}-{year}-{number:06d}" for number in range(first, first + count)]


def _locked_counter(prefix: str, year: int) -> Counter:
    statement = select(Counter).where(Counter.name == prefix, Counter.year == year)
    counter = db.session.scalar(statement.with_for_update())
    if counter is not None:
        return counter
    try:
        with db.session.begin_nested():  # the first of the year, unless another request wins
            db.session.add(Counter(name=prefix, year=year, value=0))
    except IntegrityError:
        pass
    return db.session.scalar(statement.with_for_update().execution_options(populate_existing=True))
