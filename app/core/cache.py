"""Results worth keeping between requests, kept in the database so that every worker reads
what one of them worked out (the app servers keep nothing of their own): a page that works
out its figures from thousands of rows (a site's PM calendar) keeps them under a version made
of what they depend on, and works them out again when that changes.

- `changed(session, name, site_id)`: this transaction changes what the results `name` of the
  site depend on. The site's change count goes up by one as the transaction commits, in it
  (one statement at the very end, the sites in order: its row lock is held for a moment, and
  two transactions take them in the same order);
- `state(name, site_id, key)`: the change count and the kept (version, payload), as columns
  of one query (`.one()`);
- `keep(name, site_id, key, version, payload)`: a result stored, replacing what was kept;
- `watch(name, sites_changed)`: at each flush, `changed` for the sites that
  `sites_changed(session, record, state)` names for each record new, changed or deleted.

Read the version before the rows the result is worked out from: a result newer than its
version is only worked out again; an older one is never kept under a newer version."""

import json

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.core.db import upsert_insert
from app.core.models import ChangeCount, KeptResult, utcnow
from app.extensions import db

PENDING = "changed_sites"


def changed(session, name: str, site_id: int | None) -> None:
    if site_id is not None:
        session.info.setdefault(PENDING, set()).add((name, site_id))


def state(name: str, site_id: int, key: str):
    """(change count, kept version, kept payload) of one result, as a select of three
    scalar subqueries (no row yet: 0, None, None)."""
    kept = select(KeptResult).where(KeptResult.name == name, KeptResult.site_id == site_id,
                                    KeptResult.key == key)
    return select(
        select(func.coalesce(func.max(ChangeCount.value), 0)).where(
            ChangeCount.name == name, ChangeCount.site_id == site_id).scalar_subquery(),
        kept.with_only_columns(KeptResult.version).scalar_subquery(),
        kept.with_only_columns(KeptResult.payload).scalar_subquery())


def keep(name: str, site_id: int, key: str, version: str, payload) -> None:
    values = {"name": name, "site_id": site_id, "key": key, "version": version,
              "payload": json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
              "computed_at": utcnow()}
    statement = upsert_insert(KeptResult.__table__).values(values)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["name", "site_id", "key"],
        set_={column: statement.excluded[column] for column in ("version", "payload",
                                                                "computed_at")}))


def watch(name: str, sites_changed) -> None:
    """What the results `name` depend on, said by `sites_changed(session, record, state)` (the
    sites a record "new", "dirty" or "deleted" changes them for; None among them: none),
    asked at each flush."""

    @event.listens_for(Session, "before_flush")
    def _changes(session, _context, _instances) -> None:
        for state, records in (("new", session.new), ("dirty", session.dirty),
                               ("deleted", session.deleted)):
            for record in records:
                if state == "dirty" and not session.is_modified(record):
                    continue
                for site_id in sites_changed(session, record, state):
                    changed(session, name, site_id)


def loaded(payload: str | None):
    return json.loads(payload) if payload else None


@event.listens_for(Session, "before_commit")
def _count_changes(session) -> None:
    """The change counts of this transaction's sites, at its end. Its last changes are
    flushed first (their listeners say which sites). A transaction rolled back leaves its
    sites for the session's next commit: a count that goes up for nothing only costs a
    result worked out again, one that did not go up would show an old one."""
    session.flush()
    pending = sorted(session.info.pop(PENDING, ()))
    if not pending:
        return
    statement = upsert_insert(ChangeCount.__table__)
    session.execute(statement.values([{"name": name, "site_id": site_id, "value": 1}
                                      for name, site_id in pending]).on_conflict_do_update(
        index_elements=["name", "site_id"], set_={"value": ChangeCount.value + 1}))
