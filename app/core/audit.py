"""The audit log: who changed what, when, from what to what."""

from app.core.models import AuditEvent
from app.extensions import db


def snapshot(obj, fields: tuple[str, ...]) -> dict:
    """A JSON-safe picture of some attributes, for before/after."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        plain = isinstance(value, int | float | bool | str | type(None))
        out[name] = value if plain else str(value)
    return out


def record(actor, action: str, entity, *, summary: str = "", site_id: int | None = None,
           before: dict | None = None, after: dict | None = None) -> AuditEvent:
    """Add an audit event to the current transaction (it lands with the change or not at all)."""
    if entity.id is None:
        db.session.flush()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        entity_type=type(entity).__name__.lower(),
        entity_id=entity.id,
        site_id=site_id if site_id is not None else getattr(entity, "site_id", None),
        summary=summary[:200],
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, so the log shows what someone actually did."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
