"""Database connection settings and the request-as-transaction rule."""

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, g, has_request_context, request
from sqlalchemy import DateTime, String, event, func, literal_column, type_coerce
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.core import mail
from app.extensions import db

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_write() -> bool:
    # Outside a request (CLI, tests' setup) every transaction may write.
    if not has_request_context():
        return True
    return g.get("writing_now") or (request.method not in READ_METHODS and
                                    not g.get("reading_only"))


@contextmanager
def reading_only():
    """A phase of a write request that only reads (checking and decoding its photos): its
    transaction takes no write lock, and ends with the phase, before the view writes."""
    g.reading_only = True
    try:
        yield
    finally:
        db.session.rollback()
        g.reading_only = False


@contextmanager
def writing_now():
    """A read request that must write after all (work a plan generates when its page is
    read): the read transaction ends (it wrote nothing), the writes run in one of their own,
    begun as a writer's (BEGIN IMMEDIATE on SQLite), and are committed at once."""
    db.session.commit()
    g.writing_now = True
    try:
        yield
        db.session.commit()
    except Exception:
        rollback()
        raise
    finally:
        g.writing_now = False


def configure_sqlite(engine: Engine) -> None:
    """WAL, full sync, foreign keys, a 10 s busy timeout, and BEGIN IMMEDIATE for writers.

    pysqlite's own transaction handling is switched off so that we decide how each
    transaction begins: readers take no lock, writers take the write lock at once, so that two
    writers queue instead of failing half way with "database is locked".
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _is_write() else "BEGIN")

    @event.listens_for(engine.pool, "checkin")
    def _keep_statistics_fresh(dbapi_connection, _record):
        """SQLite plans from the statistics ANALYZE leaves (without them it sorts a whole
        site's incidents rather than read the list's index); PRAGMA optimize re-analyzes the
        tables that have changed enough, as SQLite advises, here at most once an hour."""
        global _last_optimized
        if dbapi_connection is None or time.monotonic() - _last_optimized < OPTIMIZE_EVERY:
            return
        _last_optimized = time.monotonic()
        try:
            dbapi_connection.execute("PRAGMA optimize")
        except sqlite3.Error:  # busy: the next hour will do
            pass


OPTIMIZE_EVERY = 3600  # seconds
_last_optimized = time.monotonic()


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)

    @app.after_request
    def _commit_request(response):
        """The request is the transaction: keep its changes only when it succeeded."""
        if response.status_code >= 400:
            rollback()
            _write_kept_rows()
            return response
        try:
            db.session.add_all(g.pop("kept_rows", []))
            db.session.commit()
        except Exception:
            rollback()
            raise
        written_files().clear()
        mail.send_queued()  # only what a committed change caused
        return response


def keep_even_if_refused(row) -> None:
    """A row that records the refusal itself (a failed sign-in): written in a transaction of
    its own after the request's changes were rolled back."""
    g.setdefault("kept_rows", []).append(row)


def _write_kept_rows() -> None:
    rows = g.pop("kept_rows", [])
    if rows:
        db.session.add_all(rows)
        db.session.commit()


def written_files() -> list:
    """Files written during this transaction (photos), removed again if it rolls back."""
    return db.session.info.setdefault("written_files", [])


PARTIAL = ".part"


def stage_file(path: Path, data: bytes) -> None:
    """Write a file that takes its name only when the transaction commits.

    Until then it is `<name>.part`: a worker killed before the commit leaves a partial file
    that `flask purge` sweeps, never a file under a name a record could point to.
    """
    Path(f"{path}{PARTIAL}").write_bytes(data)
    written_files().append(str(path))


@event.listens_for(Session, "before_commit")
def _name_staged_files(session) -> None:
    for path in session.info.get("written_files", ()):
        partial = Path(f"{path}{PARTIAL}")
        if partial.exists():
            partial.replace(path)


@event.listens_for(Session, "after_commit")
def _forget_staged_files(session) -> None:
    session.info.get("written_files", []).clear()


def rollback() -> None:
    """Undo the transaction and the files it wrote: nothing half-saved stays behind."""
    db.session.rollback()
    mail.outbox().clear()
    for path in written_files():
        Path(path).unlink(missing_ok=True)
        Path(f"{path}{PARTIAL}").unlink(missing_ok=True)
    written_files().clear()


def unindexed(column):
    """`column` as an expression no index serves, to order a list by: the planner then finds
    the few rows a selective filter leaves through that filter's index and sorts them, rather
    than walk the order's index through every row testing each (SQLite: unary +; PostgreSQL:
    adding nothing)."""
    if db.engine.dialect.name == "postgresql":
        # nothing added, in the column's own type: a text gets '' (|| for strings)
        zero = "interval '0 seconds'" if isinstance(column.type, DateTime) else \
            "''" if isinstance(column.type, String) else "0"
        return type_coerce(column + literal_column(zero), column.type)
    return type_coerce(literal_column(f'+"{column.table.name}"."{column.name}"'), column.type)


def for_change(statement):
    """A record about to be changed: locked (PostgreSQL) so that two people moving the same
    incident at once are served one after the other. SQLite's writers queue already."""
    if has_request_context() and request.method not in READ_METHODS:
        return statement.with_for_update(of=statement.column_descriptions[0]["entity"])
    return statement


def upsert_insert(table):
    """An INSERT of the database in use that can say ON CONFLICT (SQLite's or PostgreSQL's:
    the generic one cannot)."""
    make = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return make(table)


def hours_between(start, end):
    """The hours from one timestamp column to another, in SQL (each database its own way)."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600
    return (func.julianday(end) - func.julianday(start)) * 24


def column_rows(statement, values: dict | None = None):
    """The rows of a select of columns (its bound parameters' `values` given), run as Core on
    the session's connection: no ORM row processing, which took a third of a figure's time
    over a few thousand rows. Pending changes are flushed first, as `session.execute`
    would."""
    db.session.flush()
    return db.session.connection().execute(statement, values)
