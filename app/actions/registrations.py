"""What actions put in shared registries: the words an action is found by."""

from app.actions.models import Action
from app.core.search import searchable


def action_text(action) -> tuple:
    """Its reference, what must be done, what it was raised from, what the check found."""
    return (action.reference, action.title, action.description or "",
            action.source_reference or "", action.verification_note or "")


searchable(Action, "fts_action", action_text)
