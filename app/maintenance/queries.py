"""Reads of the asset register, each scoped to the user's sites."""

from datetime import date, datetime, timedelta

from flask import abort, g
from sqlalchemy import and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from app.auth.models import User, user_site
from app.core.db import for_change, unindexed
from app.core.models import Attachment, utcnow
from app.core.scoping import scope
from app.core.search import list_order, search_in
from app.extensions import db
from app.maintenance import policy
from app.maintenance.models import (
    ENDED,
    OPEN_WORK,
    SKIPPED_STANDS_OUT,
    UNFINISHED,
    Asset,
    MaintenanceCode,
    MaintenancePlan,
    Meter,
    MeterReading,
    TechnicianSkill,
    WorkOrder,
    WorkOrderAssignee,
    WorkTask,
)

# The list's order: by code (unique), served by the code's unique index, or within a site by
# ix_asset_site_code.
ASSET_ORDER = (Asset.code.asc(), Asset.id.asc())


def asset_order(search: str = "") -> tuple[tuple, object]:
    return list_order("fts_asset", search, ASSET_ORDER)


def asset_list(user, *, search="", site_id=None, location_id=None, category_id=None,
               status="", criticality=""):
    statement = (select(Asset).options(joinedload(Asset.site), joinedload(Asset.location),
                                       joinedload(Asset.category))
                 .order_by(*ASSET_ORDER))
    if search:  # code, name, serial number, barcode, make and model (core.search)
        statement = search_in(statement, Asset.id, "fts_asset", search)
    for column, value in ((Asset.site_id, site_id), (Asset.location_id, location_id),
                          (Asset.category_id, category_id), (Asset.status, status),
                          (Asset.criticality, criticality)):
        if value:
            statement = statement.where(column == value)
    return scope(statement, user, Asset.site_id)


def get_asset(user, public_id) -> Asset:
    """The asset, or 404 when there is none or it is at a site the user is not assigned to."""
    statement = (select(Asset).where(Asset.public_id == public_id)
                 .options(joinedload(Asset.site), joinedload(Asset.location),
                          joinedload(Asset.category), joinedload(Asset.parent)))
    asset = db.session.scalar(for_change(scope(statement, user, Asset.site_id)))
    if asset is None:
        abort(404)
    return asset


def asset_by_code(code: str, site_id: int | None = None):
    statement = select(Asset).where(Asset.code == (code or "").strip().upper())
    return statement.where(Asset.site_id == site_id) if site_id else statement


def children_of(asset: Asset):
    return (select(Asset).options(joinedload(Asset.location))
            .where(Asset.parent_id == asset.id).order_by(Asset.code))


def assets_at(user, location_id: int, limit: int = 10):
    return scope(select(Asset).where(Asset.location_id == location_id)
                 .order_by(Asset.code).limit(limit), user, Asset.site_id)


def ancestors_of(asset: Asset, limit: int = 20) -> list[Asset]:
    """The assets this one is part of, nearest first (a hierarchy is a few levels deep)."""
    found, current = [], asset.parent
    while current is not None and len(found) < limit:
        found.append(current)
        current = current.parent
    return found


def meters_of(asset: Asset):
    return select(Meter).where(Meter.asset_id == asset.id).order_by(Meter.name, Meter.id)


def get_meter(user, meter_id: int) -> Meter:
    statement = (select(Meter).join(Asset, Asset.id == Meter.asset_id)
                 .options(joinedload(Meter.asset).joinedload(Asset.site))
                 .where(Meter.id == meter_id))
    meter = db.session.scalar(for_change(scope(statement, user, Asset.site_id)))
    if meter is None:
        abort(404)
    return meter


READING_ORDER = (MeterReading.read_at.desc(), MeterReading.id.desc())


def readings_of(meter: Meter):
    """A meter's readings, newest first (served by ix_meter_reading_meter_read)."""
    return (select(MeterReading).options(joinedload(MeterReading.read_by))
            .where(MeterReading.meter_id == meter.id).order_by(*READING_ORDER))


def codes(kind: str, *, include_archived: bool = False):
    statement = (select(MaintenanceCode).where(MaintenanceCode.kind == kind)
                 .order_by(MaintenanceCode.position, MaintenanceCode.name))
    return statement if include_archived else statement.where(MaintenanceCode.active)


def code_options(kind: str) -> list[tuple[int, str]]:
    """(id, label) of the active entries of a list. Every list is read in one query per
    request: a work order's page offers four of them (skill, failure, cause, remedy)."""
    if "maintenance_codes" not in g:
        found: dict[str, list] = {}
        for code in db.session.scalars(select(MaintenanceCode).where(MaintenanceCode.active)
                                       .order_by(MaintenanceCode.position,
                                                 MaintenanceCode.name)):
            found.setdefault(code.kind, []).append((code.id, code.label))
        g.maintenance_codes = found
    return g.maintenance_codes.get(kind, [])


def labelled_assets(user, site_id: int, location_id: int | None = None):
    statement = (select(Asset).options(joinedload(Asset.location))
                 .where(Asset.site_id == site_id, Asset.status != "retired")
                 .order_by(Asset.code))
    if location_id:
        statement = statement.where(Asset.location_id == location_id)
    return scope(statement, user, Asset.site_id)


# --- work orders ---------------------------------------------------------------------------------

WORK_ORDER_ORDER = (WorkOrder.created_at.desc(), WorkOrder.id.desc())


def unfinished():
    """status IN (the unfinished statuses) as literals, as the partial index
    ix_work_order_unfinished is written (models.UNFINISHED_SQL): so the planner uses it."""
    return WorkOrder.status.in_(bindparam("unfinished", list(UNFINISHED), expanding=True,
                                          literal_execute=True))


def visible_work(statement, user, site_column=WorkOrder.site_id):
    """Work orders of the user's sites; those they reported, unless they see all the work."""
    statement = scope(statement, user, site_column)
    if not policy.sees_all_work(user):
        statement = statement.where(WorkOrder.reported_by_id == user.id)
    return statement


def _assigned_to(user_id: int):
    return exists().where(WorkOrderAssignee.work_order_id == WorkOrder.id,
                          WorkOrderAssignee.user_id == user_id)


def work_order_list(user, *, status="", kind="", priority=None, site_id=None, asset_id=None,
                    assignee_id=None, overdue=False, today: date | None = None):
    statement = (select(WorkOrder).options(joinedload(WorkOrder.asset),
                                           joinedload(WorkOrder.site))
                 .order_by(*WORK_ORDER_ORDER))
    # The list walks ix_work_order_created newest first, keeping the rows its filters want
    # (a page is found after a few hundred rows); the status through an expression no index
    # serves, lest the planner gather every unfinished row and sort them.
    state = unindexed(WorkOrder.status)
    # Unfinished work only (the filter, or the overdue): walked newest first through its own
    # index (ix_work_order_unfinished_created, whose entries hold what the filters test), the
    # site unindexed lest the planner gather every unfinished row of the sites through
    # (site, status) and sort them (3.5 ms against 0.25 at bench scale). With an asset or an
    # assignee chosen, their own few rows are found first, as before.
    site = unindexed(WorkOrder.site_id) if (status == "unfinished" or overdue) and not (
        asset_id or assignee_id) else WorkOrder.site_id
    if status == "unfinished":
        statement = statement.where(unfinished())
    elif status:
        statement = statement.where(state == status)
    for column, value in ((WorkOrder.kind, kind), (WorkOrder.priority, priority),
                          (site, site_id), (WorkOrder.asset_id, asset_id)):
        if value:
            statement = statement.where(column == value)
    if assignee_id:
        statement = statement.where(_assigned_to(assignee_id))
    if overdue:
        statement = statement.where(unfinished(), state.in_(OPEN_WORK),
                                    WorkOrder.due_on < (today or utcnow().date()))
    return visible_work(statement, user, site)


def get_work_order(user, work_order_id: int) -> WorkOrder:
    statement = (select(WorkOrder).where(WorkOrder.id == work_order_id)
                 .options(joinedload(WorkOrder.asset).joinedload(Asset.location),
                          joinedload(WorkOrder.site), joinedload(WorkOrder.reported_by),
                          joinedload(WorkOrder.assignees),
                          joinedload(WorkOrder.plan).joinedload(MaintenancePlan.meter)))
    work_order = db.session.scalars(for_change(visible_work(statement, user))).unique().first()
    if work_order is None:
        abort(404)
    return work_order


def skills_of(user_id: int):
    return select(TechnicianSkill.skill_id).where(TechnicianSkill.user_id == user_id)


def my_work(user, *, limit: int, offset: int = 0):
    """A page of the open work given to the user, and of the unassigned open work at their
    sites that needs one of their skills (or none): most urgent first, then by due date. The
    page's ids are found first, sorted from narrow rows, then their rows read with their
    asset and site: joined before the sort, every open row of a site was (4.6 ms against
    about 1 at bench scale)."""
    unassigned = ~exists().where(WorkOrderAssignee.work_order_id == WorkOrder.id)
    for_my_skills = or_(WorkOrder.skill_id.is_(None), WorkOrder.skill_id.in_(skills_of(
        user.id)))
    no_date_last = case((WorkOrder.due_on.is_(None), 1), else_=0)
    order = (WorkOrder.priority, no_date_last, WorkOrder.due_on, WorkOrder.created_at,
             WorkOrder.id)
    page = scope(select(WorkOrder.id).where(
        unfinished(), WorkOrder.status != "requested",
        or_(_assigned_to(user.id), and_(unassigned, for_my_skills)))
        .order_by(*order).offset(offset).limit(limit), user, WorkOrder.site_id)
    return (select(WorkOrder).options(joinedload(WorkOrder.asset).joinedload(Asset.location),
                                      joinedload(WorkOrder.site))
            .where(WorkOrder.id.in_(page)).order_by(*order))


def work_of_asset(user, asset: Asset, *, ended: bool, limit: int = 20):
    """The asset's work still going on (done work waits to be verified), or its history."""
    statement = (select(WorkOrder).where(WorkOrder.asset_id == asset.id)
                 .order_by(*WORK_ORDER_ORDER).limit(limit))
    over = WorkOrder.status.in_(ENDED)
    return visible_work(statement.where(over if ended else ~over), user)


AGES = ((7, "week"), (30, "month"), (90, "quarter"))  # days: the backlog's age bands


def backlog_by_age(user, now: datetime, site_id: int | None = None, *,
                   asset_id: int | None = None,
                   category_id: int | None = None) -> dict[str, int]:
    """Unfinished work (requests included) by how long ago it was reported: of the user's
    sites, one site, one asset, or the assets of a category at the site."""
    age = case(*((WorkOrder.created_at >= now - timedelta(days=days), band)
                 for days, band in AGES), else_="older")
    statement = select(age, func.count(WorkOrder.id)).where(unfinished()).group_by(age)
    if site_id:
        statement = statement.where(WorkOrder.site_id == site_id)
    if asset_id:
        statement = statement.where(WorkOrder.asset_id == asset_id)
    elif category_id:
        statement = statement.where(WorkOrder.asset_id.in_(select(Asset.id).where(
            Asset.site_id == site_id, Asset.category_id == category_id)))
    counts = dict(db.session.execute(scope(statement, user, WorkOrder.site_id)).all())
    return {band: counts.get(band, 0) for band in (*(b for _d, b in AGES), "older")}


def waiting_counts(user, today: date) -> dict[str, int]:
    """For a manager's home page, in one read of the unfinished work: requests waiting for
    approval, overdue work, and how much of that is preventive (generated by a plan)."""
    late = and_(WorkOrder.status != "requested", WorkOrder.due_on < today)
    statement = scope(select(
        func.count(case((WorkOrder.status == "requested", 1))),
        func.count(case((late, 1))),
        func.count(case((and_(late, WorkOrder.plan_id.is_not(None)), 1)))).where(unfinished()),
        user, WorkOrder.site_id)
    requested, overdue, overdue_preventive = db.session.execute(statement).one()
    return {"requested": requested or 0, "overdue": overdue or 0,
            "overdue_preventive": overdue_preventive or 0}


def tasks_of(work_order: WorkOrder):
    return (select(WorkTask).options(joinedload(WorkTask.done_by))
            .where(WorkTask.work_order_id == work_order.id)
            .order_by(WorkTask.position, WorkTask.id))


def people_of_my_sites(user, active_only: bool = True):
    """The people of the user's sites, by name: whose skills a manager may set."""
    on_my_sites = scope(select(user_site.c.user_id), user, user_site.c.site_id)
    statement = select(User).where(User.id.in_(on_my_sites)).order_by(User.name)
    return statement.where(User.active) if active_only else statement


def technicians_of_my_sites(user):
    """The technicians among them: the skills page lists them."""
    return people_of_my_sites(user).where(User.roles.contains("technician"))


def skills_by_person(user_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    if user_ids:
        for user_id, skill_id in db.session.execute(select(
                TechnicianSkill.user_id, TechnicianSkill.skill_id).where(
                TechnicianSkill.user_id.in_(user_ids))):
            found.setdefault(user_id, []).append(skill_id)
    return found


def files_of(work_order: WorkOrder):
    """Its photos before and after and the verifier's signature (work_log.PHOTO_STAGES)."""
    return (select(Attachment).where(
        Attachment.entity_type.in_(("workorder", "workorderafter", "workordersignoff")),
        Attachment.entity_id == work_order.id).order_by(Attachment.created_at, Attachment.id))


# --- preventive maintenance plans ----------------------------------------------------------------

PLAN_ORDER = (MaintenancePlan.id.desc(),)  # newest first (a meter plan has no due date)
PLAN_STATES = ("active", "paused", "skipped")


def plans_of_asset(asset: Asset):
    return (select(MaintenancePlan).options(joinedload(MaintenancePlan.meter))
            .where(MaintenancePlan.asset_id == asset.id)
            .order_by(MaintenancePlan.paused, MaintenancePlan.next_due_on,
                      MaintenancePlan.id))


def plan_list(user, *, site_id=None, state=""):
    """Plans, newest first, with their assets (the PM calendar lists them by due date)."""
    statement = (select(MaintenancePlan)
                 .options(joinedload(MaintenancePlan.asset), joinedload(MaintenancePlan.meter))
                 .order_by(*PLAN_ORDER))
    if site_id:
        statement = statement.where(MaintenancePlan.site_id == site_id)
    if state == "active":
        statement = statement.where(MaintenancePlan.paused.is_(False))
    elif state == "paused":
        statement = statement.where(MaintenancePlan.paused.is_(True))
    elif state == "skipped":
        statement = statement.where(MaintenancePlan.skipped_in_row >= SKIPPED_STANDS_OUT)
    # the user's sites through an expression no index serves: the list walks the plans newest
    # first keeping theirs (a page after a few dozen rows), rather than gather every plan of
    # their sites and sort them (9 ms at 5,000)
    return scope(statement, user, unindexed(MaintenancePlan.site_id))


def get_plan(user, plan_id: int) -> MaintenancePlan:
    """The plan, or 404 when there is none or it is at a site the user is not assigned to."""
    statement = (select(MaintenancePlan).where(MaintenancePlan.id == plan_id)
                 .options(joinedload(MaintenancePlan.asset), joinedload(MaintenancePlan.meter),
                          joinedload(MaintenancePlan.site)))
    plan = db.session.scalar(for_change(scope(statement, user, MaintenancePlan.site_id)))
    if plan is None:
        abort(404)
    return plan


def work_of_plan(plan: MaintenancePlan, limit: int = 10):
    return (select(WorkOrder).options(joinedload(WorkOrder.asset), joinedload(WorkOrder.site))
            .where(WorkOrder.plan_id == plan.id)
            .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(limit))


def asset_of_site(user, asset_id: int | None, site_id: int) -> Asset | None:
    """The asset by id if it is at the site (and one of the user's): a figures filter."""
    if not asset_id:
        return None
    return db.session.scalar(scope(select(Asset).where(
        Asset.id == asset_id, Asset.site_id == site_id), user, Asset.site_id))
