"""What technicians log on a work order from their phone: its tasks (ticked, with a reading
or a note), their time (a timer kept on the server, or hours typed afterwards), the
asset's downtime, photos before and after. Plain functions: no request, no flash, no commit."""

from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import attachments, audit, timeline
from app.core.domain import DomainError
from app.core.models import utcnow
from app.extensions import db
from app.maintenance.models import OPEN_WORK, UNFINISHED, Downtime, LabourEntry, WorkOrder, WorkTask

MAX_TASKS = 100
MAX_HOURS = Decimal(24)  # one entry: a day at most
PHOTO_STAGES = {"before": "workorder", "after": "workorderafter"}  # the attachment kinds


def _unfinished(work_order: WorkOrder) -> None:
    if work_order.status not in OPEN_WORK:
        raise DomainError(_l("This work order is not open: nothing more can be logged on it."))


# --- tasks ---------------------------------------------------------------------------------------

def add_task(work_order: WorkOrder, *, text: str, by) -> WorkTask:
    if work_order.status not in UNFINISHED:  # a request too: its tasks planned ahead
        raise DomainError(_l("This work order is not open: nothing more can be logged on it."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Say what the task is."), field="text")
    count = db.session.scalar(select(func.count(WorkTask.id)).where(
        WorkTask.work_order_id == work_order.id)) or 0
    if count >= MAX_TASKS:
        raise DomainError(_l("A work order has at most 100 tasks."), field="text")
    task = WorkTask(work_order_id=work_order.id, position=count + 1, text=text)
    db.session.add(task)
    db.session.flush()
    return task


def tick_task(task: WorkTask, work_order: WorkOrder, *, done: bool, reading: Decimal | None,
              note: str, by) -> None:
    """A task ticked (or unticked), with what was read or noted; said on the timeline."""
    _unfinished(work_order)
    if reading is not None and (not reading.is_finite() or abs(reading) >= 10**11):
        raise DomainError(_l("Enter a number."), field="reading")
    task.done, task.reading, task.note = done, reading, (note or "").strip()[:300]
    task.done_by_id, task.done_at = (by.id, utcnow()) if done else (None, None)
    if done:
        timeline.add_event(work_order, "task_done", by=by, text=task.text)


# --- labour --------------------------------------------------------------------------------------

def running_timer(user_id: int):
    """The user's running timer, whatever the work order (one at a time)."""
    return select(LabourEntry).where(LabourEntry.user_id == user_id,
                                     LabourEntry.ended_at.is_(None))


def start_timer(work_order: WorkOrder, *, by) -> tuple[LabourEntry, WorkOrder | None]:
    """The user's timer on this work, from now; a timer they left running elsewhere stops
    (returned, to be said). Starting the clock on open work starts the work."""
    _unfinished(work_order)
    now, stopped = utcnow(), None
    for entry in db.session.scalars(running_timer(by.id)):
        if entry.work_order_id == work_order.id:
            raise DomainError(_l("Your timer is running on this work order already."))
        _stop(entry, now)
        stopped = db.session.get(WorkOrder, entry.work_order_id)
    entry = LabourEntry(work_order_id=work_order.id, user_id=by.id, started_at=now)
    db.session.add(entry)
    if work_order.status == "open":
        before = work_order.status
        work_order.status, work_order.started_at = "in_progress", now
        timeline.add_event(work_order, "status", by=by, from_status=before,
                           to_status="in_progress")
    db.session.flush()
    return entry, stopped


def stop_timer(work_order: WorkOrder, *, by) -> LabourEntry:
    """Stop the user's timer on this work; stopping it twice (two taps, an old page) says so."""
    entry = db.session.scalar(running_timer(by.id).where(
        LabourEntry.work_order_id == work_order.id))
    if entry is None:
        raise DomainError(_l("Your timer is not running on this work order: it was stopped "
                             "already."))
    _stop(entry, utcnow())
    return entry


def stop_all_timers(work_order: WorkOrder) -> None:
    """Work done or ended: everyone's timer on it stops now."""
    now = utcnow()
    for entry in db.session.scalars(select(LabourEntry).where(
            LabourEntry.work_order_id == work_order.id, LabourEntry.ended_at.is_(None))):
        _stop(entry, now)


def _stop(entry: LabourEntry, now: datetime) -> None:
    entry.ended_at = now
    entry.minutes = max(0, round((now - entry.started_at).total_seconds() / 60))


def log_hours(work_order: WorkOrder, *, hours: Decimal, worked_on, note: str = "",
              by) -> LabourEntry:
    """Hours typed afterwards, for a day the work was done."""
    if work_order.status not in (*OPEN_WORK, "done"):
        raise DomainError(_l("This work order is not open: nothing more can be logged on it."))
    if hours is None or not hours.is_finite() or not 0 < hours <= MAX_HOURS:
        raise DomainError(_l("Enter hours between 0 and 24."), field="hours")
    if worked_on is None or worked_on > utcnow().date() + timedelta(days=1):
        raise DomainError(_l("Enter the day the work was done (not a future day)."),
                          field="worked_on")
    minutes = round(hours * 60)
    started = datetime.combine(worked_on, datetime.min.time())
    entry = LabourEntry(work_order_id=work_order.id, user_id=by.id, started_at=started,
                        ended_at=started + timedelta(minutes=minutes), minutes=minutes,
                        note=(note or "").strip()[:300])
    db.session.add(entry)
    db.session.flush()
    return entry


def labour_of(work_order: WorkOrder):
    return (select(LabourEntry).where(LabourEntry.work_order_id == work_order.id)
            .order_by(LabourEntry.started_at, LabourEntry.id))


# --- downtime ------------------------------------------------------------------------------------

def log_downtime(work_order: WorkOrder, *, started_at: datetime, ended_at: datetime | None,
                 by) -> Downtime:
    """A span the asset was down, typed (in UTC): overlapping spans are merged by figures."""
    now = utcnow()
    if started_at > now:
        raise DomainError(_l("Downtime cannot start in the future."), field="down_from")
    if ended_at is not None and ended_at <= started_at:
        raise DomainError(_l("The end must come after the start."), field="down_until")
    if ended_at is not None and ended_at > now + timedelta(minutes=5):
        raise DomainError(_l("Downtime cannot end in the future."), field="down_until")
    span = Downtime(asset_id=work_order.asset_id, work_order_id=work_order.id,
                    started_at=started_at, ended_at=ended_at)
    db.session.add(span)
    if ended_at is None:
        asset = work_order.asset
        if asset.status != "down":
            audit.record(by, "update", asset, summary=f"{asset.code} {asset.name}",
                         before={"status": asset.status}, after={"status": "down"})
            asset.status = "down"
    timeline.add_event(work_order, "downtime", by=by)
    db.session.flush()
    return span


def downtime_of(work_order: WorkOrder):
    return (select(Downtime).where(Downtime.asset_id == work_order.asset_id,
                                   (Downtime.work_order_id == work_order.id) |
                                   Downtime.ended_at.is_(None))
            .order_by(Downtime.started_at))


# --- photos --------------------------------------------------------------------------------------

def add_photo(work_order: WorkOrder, file_storage, *, stage: str, by):
    if stage not in PHOTO_STAGES:
        raise DomainError(_l("Choose before or after."), field="stage")
    photo = attachments.save_image(file_storage, entity_type=PHOTO_STAGES[stage],
                                   entity_id=work_order.id, site_id=work_order.site_id, by=by)
    timeline.add_event(work_order, "photo", by=by)
    return photo


def estimate_text(minutes: int) -> str:
    """An estimated time as planners say it: about 1.5 h."""
    return _("about %(hours)s h", hours=f"{minutes / 60:g}")


def minutes_text(minutes: int) -> str:
    return _("%(hours)d h %(minutes)02d min", hours=minutes // 60, minutes=minutes % 60)
