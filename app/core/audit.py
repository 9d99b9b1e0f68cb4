"""The audit log: who changed what, when, from what to what."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert

from app.core.models import AuditEvent, entity_name
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
        entity_type=entity_name(entity),
        entity_id=entity.id,
        site_id=site_id if site_id is not None else getattr(entity, "site_id", None),
        summary=summary[:200],
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def record_in_bulk(action: str, entity_type: str, rows: list[dict]) -> None:
    """Events of many records at once, done by the system (no actor): each row names its
    `entity_id`, `site_id` and `summary`. One statement."""
    if rows:
        db.session.execute(insert(AuditEvent), [
            {"actor_id": None, "action": action, "entity_type": entity_type, **row,
             "summary": row.get("summary", "")[:200]}
            for row in rows])


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, so the log shows what someone actually did."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


# --- reading the log -------------------------------------------------------------------------
# Whole sentences, so that a translation can put the words in its own order.
ACTION_SENTENCES = {
    "create": _l("%(who)s created %(what)s"),
    "update": _l("%(who)s changed %(what)s"),
    "sign_in": _l("%(who)s signed in"),
    "change_password": _l("%(who)s changed their password"),
    "reset_password": _l("%(who)s reset the password of %(what)s"),
    "deactivate": _l("%(who)s deactivated %(what)s"),
    "reactivate": _l("%(who)s reactivated %(what)s"),
    "add_photo": _l("%(who)s added a photo to %(what)s"),
}
ENTITY_LABELS: dict = {}  # entity type -> translatable name; each domain adds its own


def label_entity(entity_type: str, label) -> None:
    ENTITY_LABELS[entity_type] = label


def describer():
    """A function event -> sentence, with every translation looked up once per page."""
    sentences = {action: str(text) for action, text in ACTION_SENTENCES.items()}
    entities = {kind: str(text) for kind, text in ENTITY_LABELS.items()}
    system = gettext("System")

    def describe(event) -> str:
        who = event.actor.name if event.actor else system
        what = f"{entities.get(event.entity_type, event.entity_type)} {event.summary}"
        sentence = sentences.get(event.action)
        if sentence is None:
            return f"{who} · {event.action} · {what}"
        return sentence % {"who": who, "what": what}

    return describe
