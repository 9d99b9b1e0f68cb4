"""Adding to and reading a record's timeline, and the sentence each kind of event reads as.

Each domain registers the sentences of its own event kinds (`register_sentence("paused",
lambda event, labels: _("paused the SLA clock"))`); the timeline template knows none of them.
"""

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import insert, select

from app.core.models import TimelineEvent, entity_name
from app.extensions import db


def add_event(entity, kind: str, *, by=None, text: str = "", from_status: str | None = None,
              to_status: str | None = None, data: dict | None = None) -> TimelineEvent:
    if entity.id is None:
        db.session.flush()
    event = TimelineEvent(entity_type=entity_name(entity), entity_id=entity.id,
                          actor_id=getattr(by, "id", None), kind=kind, text=text,
                          from_status=from_status, to_status=to_status, data=data)
    db.session.add(event)
    return event


def add_events_in_bulk(entity_type: str, rows: list[dict]) -> None:
    """Events of many records at once, written by the system (no actor): each row names its
    `entity_id` and the event's fields (`kind`, `to_status`, `data`...). One statement."""
    if rows:
        db.session.execute(insert(TimelineEvent), [
            {"entity_type": entity_type, "actor_id": None, "text": "", **row} for row in rows])


# kind -> sentence(event, status_labels) -> str, or None to fall back to the kind's name.
_SENTENCES: dict[str, Callable] = {}


def register_sentence(kind: str, sentence: Callable) -> None:
    _SENTENCES[kind] = sentence


def sentence_of(event, status_labels) -> str:
    sentence = _SENTENCES.get(event.kind)
    said = sentence(event, status_labels) if sentence else None
    return said or event.kind


def status_label(event, status_labels) -> str:
    return status_labels.get(event.to_status, event.to_status)


def _moved(event, status_labels):
    return f"{_('moved it to')} {status_label(event, status_labels)}" if event.to_status else None


register_sentence("status", _moved)
register_sentence("comment", lambda event, labels: _("commented"))
register_sentence("photo", lambda event, labels: _("added a photo"))


def events_of(entity_type: str, entity_id: int):
    return (select(TimelineEvent)
            .where(TimelineEvent.entity_type == entity_type, TimelineEvent.entity_id == entity_id)
            .order_by(TimelineEvent.at, TimelineEvent.id))


def init_app(app) -> None:
    app.jinja_env.globals["timeline_sentence"] = sentence_of
