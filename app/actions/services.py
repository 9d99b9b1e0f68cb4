"""Corrective and preventive actions. `raise_action` is the one entry point for other domains."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.actions import sources
from app.actions.models import Action
from app.core import audit, notifications, timeline
from app.core.domain import DomainError
from app.core.models import utcnow
from app.core.references import next_reference
from app.core.urls import path_for
from app.extensions import db

FIELDS = ("title", "owner_id", "due_date", "priority", "status")

notifications.register("action_assigned", _l("Action %(reference)s is yours: %(title)s"))
timeline.register_sentence("raised", lambda event, labels: _("raised it"))
timeline.register_sentence("updated", lambda event, labels: _("changed the details"))
timeline.register_sentence(
    "not_effective",
    lambda event, labels: _("found it not effective; open again") if event.to_status else None)
timeline.register_sentence(
    "verified", lambda event, labels: _("verified it effective") if event.to_status else None)
notifications.register("action_reopened",
                       _l("Action %(reference)s was not effective and is open again"))


def raise_action(source, *, site_id: int, title: str, owner, due_date: date, priority: int = 3,
                 description: str = "", by=None) -> Action:
    """Create an action, linked to `source` (an incident, a failed answer, ...) or to nothing."""
    action = Action(
        reference=next_reference("ACT"), site_id=site_id,
        source_type=sources.kind_of(source),
        source_id=getattr(source, "id", None), source_reference=getattr(source, "reference", ""),
        title=title.strip(), description=(description or "").strip(),
        owner_id=getattr(owner, "id", None), due_date=due_date, priority=priority,
        created_by_id=getattr(by, "id", None))
    db.session.add(action)
    db.session.flush()
    timeline.add_event(action, "raised", by=by, to_status="open")
    audit.record(by, "create", action, summary=f"{action.reference} {action.title}",
                 after=audit.snapshot(action, FIELDS))
    notifications.notify([owner], "action_assigned", exclude=by, link=_link(action),
                         reference=action.reference, title=action.title)
    return action


def _link(action: Action) -> str:
    return path_for("actions.detail", action_id=action.id)


def update(action: Action, *, title: str, description: str, owner, due_date: date,
           priority: int, by) -> None:
    before = audit.snapshot(action, FIELDS)
    owner_changed = action.owner_id != getattr(owner, "id", None)
    action.title, action.description = title.strip(), (description or "").strip()
    action.owner_id, action.due_date, action.priority = owner.id, due_date, priority
    old, new = audit.changes(before, audit.snapshot(action, FIELDS))
    if new:
        audit.record(by, "update", action, summary=action.reference, before=old, after=new)
        timeline.add_event(action, "updated", by=by, data=new)
    if owner_changed:
        notifications.notify([owner], "action_assigned", exclude=by, link=_link(action),
                             reference=action.reference, title=action.title)


def _move(action: Action, to_status: str, *, by, text: str = "", kind: str = "status") -> None:
    before = action.status
    action.status = to_status
    timeline.add_event(action, kind, by=by, text=text, from_status=before, to_status=to_status)
    audit.record(by, "update", action, summary=action.reference,
                 before={"status": before}, after={"status": to_status})


def start(action: Action, *, by) -> None:
    if action.status != "open":
        raise DomainError(_l("Only an open action can be started."))
    _move(action, "in_progress", by=by)


def complete(action: Action, *, note: str, by) -> None:
    note = (note or "").strip()
    if action.status not in ("open", "in_progress"):
        raise DomainError(_l("This action is not open."))
    if not note:
        raise DomainError(_l("Say what was done."))
    action.done_at = utcnow()
    _move(action, "done", by=by, text=note)


def verify(action: Action, *, effective: bool, note: str, by) -> None:
    """The check that the fix worked: verified, or open again with the reason."""
    note = (note or "").strip()
    if action.status != "done":
        raise DomainError(_l("Only a done action can be verified."))
    if not effective and not note:
        raise DomainError(_l("Say why it was not effective."))
    action.verified_by_id, action.verification_note = by.id, note
    if effective:
        action.verified_at = utcnow()
        _move(action, "verified", by=by, text=note, kind="verified")
        return
    action.reopen_count += 1
    action.done_at = None
    _move(action, "open", by=by, text=note, kind="not_effective")
    notifications.notify([action.owner], "action_reopened", exclude=by, link=_link(action),
                         reference=action.reference)


def comment(action: Action, *, text: str, by) -> None:
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write a comment first."))
    timeline.add_event(action, "comment", by=by, text=text)
