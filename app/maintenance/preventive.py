"""Preventive maintenance: plans (their changes) and the one function that generates their
work orders, and what completing, skipping and meter readings do to a plan's baselines.
Plain functions: no request, no flash, no commit (but `generate_on_read`, below).

Generation is idempotent: a plan has at most one unfinished work order, which a partial unique
index (`ux_work_order_plan_unfinished`) guarantees even when two workers generate at once: the
second worker's row for a plan is left out (INSERT ... ON CONFLICT DO NOTHING). Running it
twice creates nothing the second time, because a generated work order either is still
unfinished (the plan is left alone) or was done or skipped, and that moved the plan's
baselines on. Work is opened in batches: a day at 20,000 plans is a few statements per 500."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, false, insert, or_, select, text
from sqlalchemy.orm import contains_eager, joinedload

from app.core import audit, timeline
from app.core.db import unindexed, upsert_insert, writing_now
from app.core.domain import DomainError
from app.core.i18n import utc_to_local
from app.core.models import utcnow
from app.core.references import next_references
from app.extensions import db
from app.maintenance import rollup, triggers
from app.maintenance.models import (
    CALENDAR_UNITS,
    PRIORITIES,
    UNFINISHED,
    UNFINISHED_SQL,
    WORK_TYPES,
    Asset,
    MaintenanceCode,
    MaintenancePlan,
    Meter,
    WorkOrder,
    WorkTask,
)
from app.sites.models import Site

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

BATCH = 500  # plans opened per statement: a day at 20,000 plans is a few batches


def generate_due(*, now: datetime | None = None, sites=None, meters: bool = True) -> int:
    """Open the work orders of every plan that is due (at `sites`, or everywhere): by the
    calendar (through the index of the day each opens) and, with `meters`, by the meters'
    last readings. Returns how many were opened. Idempotent (see the module's text)."""
    now = now or utcnow()
    plans = db.session.scalars(_calendar_candidates(now, sites)).unique().all()
    if meters:
        seen = {plan.id for plan in plans}
        plans += [plan for plan in db.session.scalars(_meter_candidates(sites)).unique()
                  if plan.id not in seen]
    return len(_open_work(plans, now))


def generate_on_read(sites) -> bool:
    """Generation when a page that shows planned work is read (a GET), for `sites` (None:
    every site): a read finds out whether anything is due; only then does a short
    transaction of its own open the work. True when it opened some (records read before
    are then read again)."""
    now = utcnow()
    if not db.session.scalar(select(exists(_calendar_candidates(now, sites)))):
        return False
    with writing_now():
        return generate_due(now=now, sites=sites, meters=False) > 0


def generate_for(plan: MaintenancePlan, *, now: datetime | None = None) -> int | None:
    """The id of the plan's new work order, if it is due and has none unfinished; else None."""
    opened = _open_work([plan], now or utcnow())
    return opened[0] if opened else None


def _calendar_candidates(now: datetime, sites):
    """The plans the calendar opens now, by each site's own today. The index of plans without
    unfinished work by the day theirs opens (`ix_maintenance_plan_to_open`) finds those up to
    the latest today of the sites; each site's own date is then checked on those few (sites
    grouped by the date it is there), so that a plan due tomorrow is not a candidate on
    every page read until then."""
    if sites is None:
        sites = db.session.scalars(select(Site)).all()
    by_day: dict[date, list[int]] = {}
    for site in sites:
        by_day.setdefault(site_today(site, now), []).append(site.id)
    if not by_day:
        return select(MaintenancePlan).where(false())
    # the site through an expression no index serves: the way in is ix_maintenance_plan_to_open
    site_id = unindexed(MaintenancePlan.site_id)
    return select(MaintenancePlan).options(
        joinedload(MaintenancePlan.site), joinedload(MaintenancePlan.meter)).where(
        MaintenancePlan.open_work_order_id.is_(None),
        MaintenancePlan.opens_on <= max(by_day), MaintenancePlan.paused.is_(False),
        or_(*(and_(site_id.in_(ids), MaintenancePlan.opens_on <= day)
              for day, ids in by_day.items()))).order_by(MaintenancePlan.id)


def _meter_candidates(sites):
    value = Meter.last_value
    statement = select(MaintenancePlan).join(Meter, Meter.id == MaintenancePlan.meter_id).options(
        joinedload(MaintenancePlan.site), contains_eager(MaintenancePlan.meter)).where(
        MaintenancePlan.paused.is_(False), MaintenancePlan.open_work_order_id.is_(None),
        (value >= MaintenancePlan.due_reading - MaintenancePlan.lead_units) |
        (value > MaintenancePlan.meter_above) | (value < MaintenancePlan.meter_below))
    if sites is not None:
        statement = statement.where(MaintenancePlan.site_id.in_([site.id for site in sites]))
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


def _open_work(plans, now: datetime) -> list[int]:
    """The work orders of those of `plans` that are due now and have none unfinished, in
    batches of a few statements each (a reference range, the work orders, their tasks, their
    timeline and audit events). Returns the new work orders' ids."""
    todays: dict[int, date] = {}
    due = []
    for plan in plans:
        if plan.paused:
            continue
        if plan.site_id not in todays:
            todays[plan.site_id] = site_today(plan.site, now)
        found = due_now(plan, todays[plan.site_id])
        if found is not None:
            due.append((plan, *found))
    _mark_past_due(due, todays)
    opened: list[int] = []
    for first in range(0, len(due), BATCH):
        opened += _open_batch(due[first:first + BATCH], now)
    return opened


def _mark_past_due(due, todays: dict[int, date]) -> None:
    """Work opened late for a past due date changes a counted day's PM due (the figures'
    rollup): the bulk insert passes no flush listener, so it says so itself."""
    past: dict[int, list[date]] = defaultdict(list)
    for plan, _reason, due_on in due:
        if due_on is not None and due_on < todays[plan.site_id]:
            past[plan.site_id].append(due_on)
    for site_id, days in past.items():
        rollup.mark(site_id, rollup.day_span(min(days))[0], rollup.day_span(max(days))[1])


def _open_batch(due, now: datetime) -> list[int]:
    busy = set(db.session.scalars(select(WorkOrder.plan_id).where(
        WorkOrder.plan_id.in_([plan.id for plan, *_ in due]),
        WorkOrder.status.in_(UNFINISHED))))
    due = [item for item in due if item[0].id not in busy]
    if not due:
        return []
    references = next_references("WO", len(due))
    rows = [{"reference": reference, "site_id": plan.site_id, "asset_id": plan.asset_id,
             "kind": plan.kind, "priority": plan.priority, "status": "open",
             "description": plan.title, "skill_id": plan.skill_id, "due_on": due_on,
             "approved_at": now, "plan_id": plan.id, "plan_due_on": plan.next_due_on,
             "plan_due_reading": plan.due_reading}
            for reference, (plan, _reason, due_on) in zip(references, due, strict=True)]
    db.session.flush()
    made = dict(db.session.connection().execute(_insert_unless_open(), rows).all())
    by_plan = {plan.id: (plan, reason) for plan, reason, _due in due}
    for plan_id, work_order_id in made.items():  # one UPDATE of many rows, at the flush
        by_plan[plan_id][0].open_work_order_id = work_order_id
    tasks = [{"work_order_id": work_order_id, "position": number, "text": line[:300]}
             for plan_id, work_order_id in made.items()
             for number, line in enumerate(by_plan[plan_id][0].task_lines)]
    if tasks:
        db.session.execute(insert(WorkTask), tasks)
    timeline.add_events_in_bulk("workorder", [
        {"entity_id": work_order_id, "kind": "generated", "to_status": "open",
         "data": {"reason": by_plan[plan_id][1]}} for plan_id, work_order_id in made.items()])
    audit.record_in_bulk("create", "workorder", [
        {"entity_id": work_order_id, "site_id": by_plan[plan_id][0].site_id,
         "summary": by_plan[plan_id][0].title} for plan_id, work_order_id in made.items()])
    return list(made.values())


def _insert_unless_open():
    """Inserting work orders (Core, many rows in one statement), but for a plan another worker
    opened work for a moment ago: the partial unique index says so, and that row is left out
    (ON CONFLICT DO NOTHING), so RETURNING names only the rows made. The reference that row
    was given is not used: a gap in the numbers, only when two workers raced."""
    table = WorkOrder.__table__
    where = text(f"plan_id IS NOT NULL AND {UNFINISHED_SQL}")
    return (upsert_insert(table).on_conflict_do_nothing(index_elements=["plan_id"],
                                                        index_where=where)
            .returning(table.c.plan_id, table.c.id))


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
    plan.open_work_order_id = None
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
    plan.open_work_order_id = None
    refresh(plan)


def reopen(work_order: WorkOrder) -> None:
    """Done work taken up again: refused when its plan has opened newer work meanwhile (two
    unfinished work orders of one plan would each claim the same service); else it is the
    plan's unfinished work again."""
    if work_order.plan_id is None:
        return
    newer = db.session.scalar(select(WorkOrder).where(
        WorkOrder.plan_id == work_order.plan_id, WorkOrder.id != work_order.id,
        WorkOrder.status.in_(UNFINISHED)).limit(1))
    if newer is not None:
        raise DomainError(_l("The plan has opened newer work: continue there."))
    plan = db.session.get(MaintenancePlan, work_order.plan_id)
    if plan is not None:
        plan.open_work_order_id = work_order.id


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
