"""What actions put in shared registries: the words an action is found by."""

from app.actions.models import Action
from app.core.search import searchable

# Its reference, what must be done, what it was raised from, what the check found.
searchable(Action, "fts_action",
           ("reference", "title", "description", "source_reference", "verification_note"))
