"""What maintenance puts in shared registries: what an asset is found by, the sentences of a
work order's timeline, and the home page's "My work" (technicians) or the requests waiting
and the overdue work (managers)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.actions import sources
from app.core.models import utcnow
from app.core.search import searchable
from app.core.timeline import register_sentence
from app.core.urls import path_for
from app.dashboard.panels import register
from app.extensions import db
from app.maintenance import queries
from app.maintenance.models import PRIORITY_LABELS, WORK_STATUS_LABELS, WORK_TYPE_LABELS, Asset

HOME_WORK = 5  # more: the link to My work

searchable(Asset, "fts_asset", ("code", "name", "serial_number", "barcode", "make", "model"))

register_sentence("approved", lambda event, labels: _("approved it as a work order"))
register_sentence("planned", lambda event, labels: _("changed the plan"))
register_sentence("task_done", lambda event, labels: _("ticked a task"))  # the task below
register_sentence("downtime", lambda event, labels: _("logged downtime"))
register_sentence("generated", lambda event, labels: _generated_because(
    (event.data or {}).get("reason")))


def _generated_because(reason: str | None) -> str:
    """A work order a maintenance plan opened, and what made it due."""
    if reason == "meter":
        return _("opened by its maintenance plan: the meter is at its interval")
    if reason == "above":
        return _("opened by its maintenance plan: a reading went above its limit")
    if reason == "below":
        return _("opened by its maintenance plan: a reading went below its limit")
    return _("opened by its maintenance plan: due by the calendar")

# a corrective action may be raised from a work order (its page shows them: core.sections)
sources.register(
    "workorder", _l("Work order"),
    load=lambda user, work_order_id: queries.get_work_order(user, work_order_id),
    url=lambda work_order_id: path_for("maintenance.work_order", work_order_id=work_order_id))


@register
def home_work(user):
    if user.is_manager:
        return _home_counts(user)
    if not user.can("workorders.work"):
        return None
    found = db.session.scalars(queries.my_work(user, limit=HOME_WORK + 1)).all()
    return "maintenance/_home_work.html", {
        "work": found[:HOME_WORK], "more": len(found) > HOME_WORK, "today": utcnow().date(),
        "work_status_labels": WORK_STATUS_LABELS, "work_type_labels": WORK_TYPE_LABELS,
        "priority_labels": PRIORITY_LABELS}


def _home_counts(user):
    counts = queries.waiting_counts(user, utcnow().date())
    if not any(counts.values()):
        return None  # nothing waiting: no section
    return "maintenance/_home_counts.html", {"counts": counts}
