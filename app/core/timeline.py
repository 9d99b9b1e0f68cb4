"""Adding to and reading a record's timeline."""

from sqlalchemy import select

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


def events_of(entity_type: str, entity_id: int):
    return (select(TimelineEvent)
            .where(TimelineEvent.entity_type == entity_type, TimelineEvent.entity_id == entity_id)
            .order_by(TimelineEvent.at, TimelineEvent.id))
