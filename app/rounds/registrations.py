"""What rounds put in other domains' registries: today's rounds on the home page (those left
for someone who does rounds; the counts of their sites' for a supervisor)."""

import uuid

from app.core.models import utcnow
from app.dashboard.panels import register
from app.extensions import db
from app.rounds import queries
from app.rounds.models import STATUS_LABELS, RoundSchedule

HOME_ROUNDS = 5  # more: the link to Today


@register
def home_rounds(user):
    if user.is_manager:
        return _home_counts(user)
    if not user.can("rounds.do"):
        return None
    to_do = [r for r in queries.todays_rounds(user, utcnow()) if r.status not in queries.DONE]
    return "rounds/_home_today.html", {"to_do": to_do[:HOME_ROUNDS],
                                       "status_labels": {k: str(v) for k, v in
                                                         STATUS_LABELS.items()},
                                       "words": queries.round_words(),
                                       "fresh_key": lambda: uuid.uuid4().hex}


def _home_counts(user):
    """Today's rounds of the sites the manager is assigned to: an administrator sees every
    site, but counts only those assigned (all of a hundred sites' rounds cost 100 ms)."""
    if not user.site_ids:
        return None
    schedules = db.session.scalars(queries.schedules_at(user).where(
        RoundSchedule.site_id.in_(user.site_ids))).unique().all()
    if not schedules:
        return None
    found = queries.todays_status_counts(schedules, utcnow())
    counts = {"done": found.get("on_time", 0) + found.get("late", 0),
              **{status: found.get(status, 0) for status in ("open", "overdue", "missed")}}
    return "rounds/_home_counts.html", {"counts": counts}
