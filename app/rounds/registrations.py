"""What rounds put in other domains' registries: today's rounds on the home page (those left
for someone who does rounds; the counts of their sites' for a supervisor)."""

import uuid

from app.core.models import utcnow
from app.dashboard.panels import register
from app.extensions import db
from app.rounds import queries
from app.rounds.models import STATUS_LABELS

HOME_ROUNDS = 5  # more: the link to Today


@register
def home_rounds(user):
    if user.is_manager:
        return _home_counts(user)
    if not user.can("rounds.do"):
        return None
    to_do = [r for r in queries.todays_rounds(user, utcnow()) if r.status not in queries.DONE]
    return "rounds/_home_today.html", {"to_do": to_do[:HOME_ROUNDS],
                                       "status_labels": STATUS_LABELS,
                                       "fresh_key": lambda: uuid.uuid4().hex}


def _home_counts(user):
    schedules = db.session.scalars(queries.schedules_at(user)).unique().all()
    if not schedules:
        return None
    rounds = queries.rounds_between(schedules, None, 1, utcnow())
    counts = {"done": sum(r.status in ("on_time", "late") for r in rounds),
              **{status: sum(r.status == status for r in rounds)
                 for status in ("open", "overdue", "missed")}}
    return "rounds/_home_counts.html", {"counts": counts}
