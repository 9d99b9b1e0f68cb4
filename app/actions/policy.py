"""Record rules of actions, used by views and templates alike (who may see one is
actions.queries.visible)."""

from app.actions.models import Action


def may_work_on(user, action: Action) -> bool:
    """Start it or mark it done: its owner, or a manager."""
    return action.is_open and (action.owner_id == user.id or user.is_manager)


def may_edit(user, action: Action) -> bool:
    return user.is_manager


def may_verify(user, action: Action) -> bool:
    """Check that a done action worked: a manager (not the owner marking their own work)."""
    return user.is_manager and action.status == "done"
