"""Preventive maintenance: plans (their changes) and the one function that generates their
work orders, and what completing, skipping and meter readings do to a plan's baselines.
Plain functions: no request, no flash, no commit (but `generate_on_read`, below).

Generation is idempotent: a plan has at most one unfinished work order, which a partial unique
index (`ux_work_order_plan_unfinished`) guarantees even when two workers generate at once: the
second insert fails inside its savepoint and is skipped. Running it twice creates nothing the
second time, because a generated work order either is still unfinished (the plan is skipped)
or was done or skipped, and that moved the plan's baselines on."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.core import audit, timeline
from app.core.db import writing_now
from app.core.domain import DomainError
from app.core.i18n import utc_to_local
from app.core.models import utcnow
from app.core.references import next_reference
from app.extensions import db
from app.maintenance import triggers
from app.maintenance.models import (
    CALENDAR_UNITS,
    PRIORITIES,
    UNFINISHED,
    WORK_TYPES,
    Asset,
    MaintenanceCode,
    MaintenancePlan,
    Meter,
    WorkOrder,
    WorkTask,
)

MAX_EVERY = 1000  # days, weeks or months: beyond that it is a typing mistake
MAX_LEAD_DAYS = 365
MAX_UNITS = Decimal("99999999999.999")


@dataclass
class PlanFields:
    """What a person sets on a plan (forms.MaintenancePlanForm.fields())."""

    title: str
    tasks: str = ""
    skill_id: int | None = None
    estimated_minutes: int | None = None
    kind: str = "preventive"
    priority: int = 3
    every: int | None = None
    every_unit: str = ""
    fixed: bool = True
    starts_on: date | None = None
    lead_days: int = 0
    meter_id: int | None = None
    meter_every: Decimal | None = None
    meter_above: Decimal | None = None
    meter_below: Decimal | None = None
    lead_units: Decimal = Decimal(0)


AUDITED = ("title", "tasks", "skill_id", "estimated_minutes", "kind", "priority", "every",
           "every_unit", "fixed", "starts_on", "lead_days", "meter_id", "meter_every",
           "meter_above", "meter_below", "lead_units")


def site_today(site, now: datetime | None = None) -> date:
    """What "today" is at the site: its own time zone decides."""
    return utc_to_local(now or utcnow(), site.timezone or "UTC").date()


# --- what follows from the baselines -------------------------------------------------------------

def calendar_of(plan: MaintenancePlan) -> triggers.Calendar | None:
    if not plan.every:
        return None
    return triggers.Calendar(plan.every, plan.every_unit, plan.fixed, plan.starts_on,
                             plan.lead_days or 0)


def meter_rule_of(plan: MaintenancePlan) -> triggers.MeterRule | None:
    if not plan.uses_meter:
        return None
    return triggers.MeterRule(plan.meter_every, plan.meter_above, plan.meter_below,
                              plan.lead_units or Decimal(0))


def refresh(plan: MaintenancePlan) -> None:
    """The next due date (and the day its work order opens) and the next due reading."""
    calendar = calendar_of(plan)
    plan.next_due_on = calendar.due_after(plan.calendar_from) if calendar else None
    plan.opens_on = calendar.opens_on(plan.next_due_on) if calendar else None
    rule = meter_rule_of(plan)
    plan.due_reading = rule.due_reading(plan.meter_baseline) if rule else None


# --- plans ---------------------------------------------------------------------------------------

def create_plan(asset: Asset, values: PlanFields, *, by) -> MaintenancePlan:
    plan = MaintenancePlan(site_id=asset.site_id, asset_id=asset.id, asset=asset,
                           created_by_id=getattr(by, "id", None))
    _apply(plan, values)
    db.session.add(plan)
    db.session.flush()
    audit.record(by, "create", plan, summary=f"{asset.code} {plan.title}",
                 after=audit.snapshot(plan, AUDITED))
    generate_for(plan)  # due already (a start date of today): its work order opens now
    return plan


def update_plan(plan: MaintenancePlan, values: PlanFields, *, by) -> None:
    before = audit.snapshot(plan, AUDITED)
    _apply(plan, values)
    old, new = audit.changes(before, audit.snapshot(plan, AUDITED))
    if new:
        audit.record(by, "update", plan, summary=f"{plan.asset.code} {plan.title}", before=old,
                     after=new)
    generate_for(plan)


def set_paused(plan: MaintenancePlan, paused: bool, *, by) -> None:
    """A paused plan generates nothing; resumed, it is due by its baselines as before."""
    if plan.paused == paused:
        return
    plan.paused = paused
    audit.record(by, "pause" if paused else "resume", plan,
                 summary=f"{plan.asset.code} {plan.title}")
    if not paused:
        generate_for(plan)


def copy_to_category(plan: MaintenancePlan, *, by) -> tuple[list[MaintenancePlan], int]:
    """The plan copied to every other asset of its asset's category at its site that has no
    plan of the same title. A meter plan goes to assets with a meter of the same name; the
    others are counted as left out. Returns (the copies, how many assets were left out)."""
    asset = plan.asset
    if asset.category_id is None:
        raise DomainError(_l("This asset has no category: give it one first."))
    values = fields_of(plan)
    copies, left_out = [], 0
    for other in db.session.scalars(select(Asset).where(
            Asset.site_id == plan.site_id, Asset.category_id == asset.category_id,
            Asset.id != asset.id, Asset.status != "retired").order_by(Asset.code)):
        if db.session.scalar(select(MaintenancePlan.id).where(
                MaintenancePlan.asset_id == other.id,
                MaintenancePlan.title == plan.title).limit(1)) is not None:
            continue
        if plan.meter_id is not None:
            meter_id = db.session.scalar(select(Meter.id).where(
                Meter.asset_id == other.id, Meter.name == plan.meter.name).limit(1))
            if meter_id is None:
                left_out += 1
                continue
            values.meter_id = meter_id
        copies.append(create_plan(other, values, by=by))
    return copies, left_out


def fields_of(plan: MaintenancePlan) -> PlanFields:
    return PlanFields(**{name: getattr(plan, name) for name in AUDITED})


def _apply(plan: MaintenancePlan, values: PlanFields) -> None:
    """Check every field, then set them all; a changed trigger keeps the baselines (what was
    done stays done), a new meter counts from its last reading."""
    title = (values.title or "").strip()
    if not title:
        raise DomainError(_l("Give the plan a title."), field="title")
    if values.kind not in WORK_TYPES:
        raise DomainError(_l("Choose a type from the list."), field="kind")
    if values.priority not in PRIORITIES:
        raise DomainError(_l("Choose a priority from the list."), field="priority")
    if values.skill_id:
        skill = db.session.get(MaintenanceCode, values.skill_id)
        if skill is None or skill.kind != "skill" or not skill.active:
            raise DomainError(_l("Choose from the list."), field="skill")
    if values.estimated_minutes is not None and not 0 < values.estimated_minutes <= 100 * 60:
        raise DomainError(_l("Enter a time between 1 minute and 100 hours."),
                          field="estimated_hours")
    _check_calendar(values)
    meter = _check_meter(plan, values)
    if not values.every and meter is None:
        raise DomainError(_l("Set a calendar interval, a meter interval or a meter limit."),
                          field="every")
    if meter is not None and (plan.meter_id != meter.id or plan.meter_baseline is None):
        plan.meter_baseline = meter.last_value if meter.last_value is not None else Decimal(0)
    for name in AUDITED:
        setattr(plan, name, getattr(values, name))
    plan.title, plan.tasks = title, (values.tasks or "").strip()
    plan.every_unit = values.every_unit if values.every else ""
    plan.lead_units = values.lead_units or Decimal(0)
    plan.lead_days = values.lead_days or 0
    plan.meter = meter
    refresh(plan)


def _check_calendar(values: PlanFields) -> None:
    if not values.every:
        return
    if not 0 < values.every <= MAX_EVERY:
        raise DomainError(_l("Enter a number from 1 to 1000."), field="every")
    if values.every_unit not in CALENDAR_UNITS:
        raise DomainError(_l("Choose days, weeks or months."), field="every_unit")
    if values.starts_on is None:
        raise DomainError(_l("Enter the date it is first due."), field="starts_on")
    if not 0 <= (values.lead_days or 0) <= MAX_LEAD_DAYS:
        raise DomainError(_l("Enter a number of days from 0 to 365."), field="lead_days")
    first, second = values.starts_on, triggers.step(values.starts_on, values.every,
                                                    values.every_unit)
    if (values.lead_days or 0) >= (second - first).days:
        raise DomainError(_l("The lead time must be shorter than the interval."),
                          field="lead_days")


def _check_meter(plan: MaintenancePlan, values: PlanFields) -> Meter | None:
    limits = (values.meter_every, values.meter_above, values.meter_below)
    if values.meter_id is None:
        if any(v is not None for v in limits):
            raise DomainError(_l("Choose the meter."), field="meter")
        return None
    meter = db.session.get(Meter, values.meter_id)
    if meter is None or meter.asset_id != plan.asset_id:
        raise DomainError(_l("Choose a meter of this asset."), field="meter")
    if all(v is None for v in limits):
        raise DomainError(_l("Set a meter interval or a limit."), field="meter_every")
    for name, value in zip(("meter_every", "meter_above", "meter_below"), limits, strict=True):
        if value is not None and (not value.is_finite() or abs(value) > MAX_UNITS):
            raise DomainError(_l("Enter a number."), field=name)
    if values.meter_every is not None and values.meter_every <= 0:
        raise DomainError(_l("Enter a number above zero."), field="meter_every")
    lead = values.lead_units or Decimal(0)
    if not lead.is_finite() or lead < 0:
        raise DomainError(_l("Enter a number of 0 or more."), field="lead_units")
    if values.meter_every is not None and lead >= values.meter_every:
        raise DomainError(_l("The lead must be smaller than the meter interval."),
                          field="lead_units")
    if (values.meter_above is not None and values.meter_below is not None and
            values.meter_below >= values.meter_above):
        raise DomainError(_l("The lower limit must be below the upper limit."),
                          field="meter_below")
    return meter


# --- generation ----------------------------------------------------------------------------------

def generate_due(*, now: datetime | None = None, site_ids=None, meters: bool = True) -> int:
    """Open the work orders of every plan that is due (at `site_ids`, or everywhere): by the
    calendar (through the index of the day each opens) and, with `meters`, by the meters'
    last readings. Returns how many were opened. Idempotent (see the module's text)."""
    now = now or utcnow()
    opened = 0
    for plan in db.session.scalars(_calendar_candidates(now, site_ids)):
        opened += generate_for(plan, now=now) is not None
    if meters:
        for plan in db.session.scalars(_meter_candidates(site_ids)):
            opened += generate_for(plan, now=now) is not None
    return opened


def generate_on_read(site_ids) -> None:
    """Generation when a page that shows planned work is read (a GET): a read finds out
    whether anything is due; only then does a short transaction of its own open the work."""
    now = utcnow()
    if db.session.scalar(select(exists(_calendar_candidates(now, site_ids)))):
        with writing_now():
            generate_due(now=now, site_ids=site_ids, meters=False)


def _without_unfinished_work():
    return ~exists().where(WorkOrder.plan_id == MaintenancePlan.id,
                           WorkOrder.status.in_(UNFINISHED))


def _calendar_candidates(now: datetime, site_ids):
    latest_today = now.date() + timedelta(days=1)  # the most eastern zone's today, at most
    statement = select(MaintenancePlan).where(
        MaintenancePlan.opens_on <= latest_today, MaintenancePlan.paused.is_(False),
        _without_unfinished_work())
    if site_ids is not None:
        statement = statement.where(MaintenancePlan.site_id.in_(list(site_ids)))
    return statement.order_by(MaintenancePlan.opens_on, MaintenancePlan.id)


def _meter_candidates(site_ids):
    value = Meter.last_value
    statement = select(MaintenancePlan).join(Meter, Meter.id == MaintenancePlan.meter_id).where(
        MaintenancePlan.paused.is_(False), _without_unfinished_work(),
        (value >= MaintenancePlan.due_reading - MaintenancePlan.lead_units) |
        (value > MaintenancePlan.meter_above) | (value < MaintenancePlan.meter_below))
    if site_ids is not None:
        statement = statement.where(MaintenancePlan.site_id.in_(list(site_ids)))
    return statement.order_by(MaintenancePlan.id)


def due_now(plan: MaintenancePlan, today: date) -> tuple[str, date | None] | None:
    """Why the plan's work is due now and by when: ("calendar", its due date), or the meter's
    reason with today (the reading is there) or None (within the lead, not reached yet)."""
    reasons = []
    if plan.opens_on is not None and plan.opens_on <= today:
        reasons.append(("calendar", plan.next_due_on))
    rule = meter_rule_of(plan)
    if rule is not None:
        value = plan.meter.last_value if plan.meter else None
        reason = rule.reason(value, plan.meter_baseline)
        if reason == "meter" and value < plan.due_reading:
            reasons.append((reason, None))  # within the lead units: due when it gets there
        elif reason:
            reasons.append((reason, today))
    if not reasons:
        return None
    dated = [due for _, due in reasons if due is not None]
    return reasons[0][0], min(dated) if dated else None


def generate_for(plan: MaintenancePlan, *, now: datetime | None = None) -> WorkOrder | None:
    """The plan's work order, if it is due and has none unfinished; else None."""
    if plan.paused:
        return None
    today = site_today(plan.site, now)
    due = due_now(plan, today)
    if due is None or _has_unfinished(plan):
        return None
    reason, due_on = due
    try:
        with db.session.begin_nested():
            work_order = _new_work_order(plan, due_on, now or utcnow())
    except IntegrityError:
        return None  # another worker opened it a moment ago: the unique index said so
    timeline.add_event(work_order, "generated", to_status="open", data={"reason": reason})
    audit.record(None, "create", work_order, summary=f"{work_order.reference} {plan.title}")
    return work_order


def _has_unfinished(plan: MaintenancePlan) -> bool:
    return db.session.scalar(select(WorkOrder.id).where(
        WorkOrder.plan_id == plan.id, WorkOrder.status.in_(UNFINISHED)).limit(1)) is not None


def _new_work_order(plan: MaintenancePlan, due_on: date | None, now: datetime) -> WorkOrder:
    work_order = WorkOrder(
        reference=next_reference("WO"), site_id=plan.site_id, asset_id=plan.asset_id,
        kind=plan.kind, priority=plan.priority, status="open", description=plan.title,
        skill_id=plan.skill_id, due_on=due_on, approved_at=now, plan_id=plan.id,
        plan_due_on=plan.next_due_on, plan_due_reading=plan.due_reading)
    db.session.add(work_order)
    db.session.flush()
    db.session.add_all(WorkTask(work_order_id=work_order.id, position=number, text=line[:300])
                       for number, line in enumerate(plan.task_lines))
    db.session.flush()
    return work_order


# --- what the work and the meter do to a plan ----------------------------------------------------

def completed(work_order: WorkOrder) -> None:
    """Generated work done: both baselines start again from now (the calendar from the
    completion, or the grid's date it served; the meter from its last reading)."""
    plan = db.session.get(MaintenancePlan, work_order.plan_id)
    if plan is None:
        return
    done_on = site_today(plan.site, work_order.done_at)
    calendar = calendar_of(plan)
    if calendar is not None:
        plan.calendar_from = triggers.calendar_baseline_after(
            calendar, served_due=work_order.plan_due_on, done_on=done_on,
            previous=plan.calendar_from)
    if plan.meter is not None:
        plan.meter_baseline = plan.meter.last_value or Decimal(0)
    plan.last_done_on, plan.skipped_in_row = done_on, 0
    refresh(plan)
    db.session.flush()  # the done work order no longer counts as unfinished
    generate_for(plan)


def skipped(work_order: WorkOrder) -> None:
    """Generated work cancelled: the plan counts on from the date or reading it served (the
    same work is not due again at once), and one more skip in a row."""
    plan = db.session.get(MaintenancePlan, work_order.plan_id)
    if plan is None:
        return
    calendar = calendar_of(plan)
    if calendar is not None:
        plan.calendar_from = triggers.calendar_baseline_skipped(
            calendar, served_due=work_order.plan_due_on, previous=plan.calendar_from)
    if plan.meter is not None:
        plan.meter_baseline = plan.meter.last_value or Decimal(0)
    plan.skipped_in_row += 1
    refresh(plan)


def check_reopen(work_order: WorkOrder) -> None:
    """Done work taken up again: refused when its plan has opened newer work meanwhile (two
    unfinished work orders of one plan would each claim the same service)."""
    if work_order.plan_id is None:
        return
    newer = db.session.scalar(select(WorkOrder).where(
        WorkOrder.plan_id == work_order.plan_id, WorkOrder.id != work_order.id,
        WorkOrder.status.in_(UNFINISHED)).limit(1))
    if newer is not None:
        raise DomainError(_l("The plan has opened newer work: continue there."))


def reading_recorded(meter: Meter, value: Decimal, *, previous: Decimal | None,
                     is_reset: bool) -> None:
    """A reading crossing a plan's trigger opens its work at once. A reset keeps what each plan
    had used of its interval (the baseline moves with the meter); an open work order waiting
    for its reading becomes due today when the reading gets there."""
    for plan in db.session.scalars(select(MaintenancePlan).where(
            MaintenancePlan.meter_id == meter.id)):
        if is_reset and previous is not None and plan.meter_baseline is not None:
            plan.meter_baseline = value - (previous - plan.meter_baseline)
            refresh(plan)
        if plan.paused:
            continue
        if generate_for(plan) is None:
            _date_waiting_work(plan, value)


def _date_waiting_work(plan: MaintenancePlan, value: Decimal) -> None:
    if plan.due_reading is None or value < plan.due_reading:
        return
    waiting = db.session.scalar(select(WorkOrder).where(
        WorkOrder.plan_id == plan.id, WorkOrder.status.in_(UNFINISHED),
        WorkOrder.due_on.is_(None)).limit(1))
    if waiting is not None:
        waiting.due_on = site_today(plan.site)
