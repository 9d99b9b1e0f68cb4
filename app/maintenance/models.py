"""The asset register: assets (a hierarchy at a site), their meters and the readings of each,
and the short lists admins edit (asset categories; failure, cause and remedy codes)."""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import CreatedByMixin, PublicIdMixin, TimestampMixin, utcnow
from app.extensions import db

ASSET_STATUSES = ("in_service", "down", "standby", "retired")
ASSET_STATUS_LABELS = {"in_service": _l("In service"), "down": _l("Down"),
                       "standby": _l("Standby"), "retired": _l("Retired")}
CRITICALITIES = ("A", "B", "C")
CRITICALITY_LABELS = {"A": _l("A – critical"), "B": _l("B – important"),
                      "C": _l("C – minor")}

# The lists admins edit: kind -> what one entry is
CODE_KINDS = ("category", "skill", "failure", "cause", "remedy")
CODE_KIND_LABELS = {"category": _l("Asset categories"), "skill": _l("Skills"),
                    "failure": _l("Failure codes"), "cause": _l("Causes"),
                    "remedy": _l("Remedies")}


class MaintenanceCode(TimestampMixin, db.Model):
    """One entry of a list admins edit: an asset category, a failure code, a cause or a
    remedy. Entries are archived, never deleted: records keep pointing at them."""

    __entity__ = "maintenancecode"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    # a skill's cost of an hour of labour: a work order's labour cost is its hours at the
    # rate of the skill it needs
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    __table_args__ = (UniqueConstraint("kind", "name"),)

    @property
    def label(self) -> str:
        return self.name_zh if str(get_locale()) == "zh_Hans" and self.name_zh else self.name


class Asset(PublicIdMixin, TimestampMixin, CreatedByMixin, db.Model):
    """A thing that is maintained, at a site (and a location there), perhaps part of another
    (a line, its machines, their components)."""

    __entity__ = "asset"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # upper case, as labels show
    barcode: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("maintenance_code.id", ondelete="SET NULL"))
    make: Mapped[str] = mapped_column(String(80), default="")
    model: Mapped[str] = mapped_column(String(80), default="")
    serial_number: Mapped[str] = mapped_column(String(80), default="")
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id",
                                                               ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="in_service")
    criticality: Mapped[str] = mapped_column(String(1), default="B")
    purchase_date: Mapped[date | None]
    purchase_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    warranty_ends_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")

    site = relationship("Site")
    location = relationship("Location")
    category = relationship("MaintenanceCode", foreign_keys=[category_id])
    parent = relationship("Asset", remote_side=[id])

    __table_args__ = (
        # the list's order (by code) within a site, and its filters
        Index("ix_asset_site_code", "site_id", "code", "id"),
        Index("ix_asset_location", "location_id"),
        Index("ix_asset_parent", "parent_id"),
        Index("ix_asset_site_status", "site_id", "status"),  # the figures count a site's assets
        # a category's assets at a site (the figures of a category), counted from the index
        Index("ix_asset_site_category", "site_id", "category_id", "status"),
    )

    @property
    def under_warranty(self) -> bool:
        return self.warranty_ends_on is not None and self.warranty_ends_on >= utcnow().date()


class Meter(TimestampMixin, db.Model):
    """What is counted or measured on an asset (run hours, kilometres, cycles, any unit). A
    counting meter only goes up, but when it is reset; its last reading is kept here too,
    for lists (the readings are the record)."""

    __entity__ = "meter"
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"),
                                          index=True)
    name: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(20))
    counting: Mapped[bool] = mapped_column(default=True)
    last_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    last_read_at: Mapped[datetime | None]

    asset = relationship("Asset")


class MeterReading(db.Model):
    """One reading of a meter, as it was taken: never edited (a wrong one is followed by a
    right one)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id", ondelete="CASCADE"))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_reset: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(300), default="")
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    read_by = relationship("User")

    __table_args__ = (Index("ix_meter_reading_meter_read", "meter_id", "read_at", "id"),)


# --- work orders ---------------------------------------------------------------------------------

WORK_TYPES = ("corrective", "preventive", "follow_up", "emergency")
WORK_TYPE_LABELS = {"corrective": _l("Corrective"), "preventive": _l("Preventive"),
                    "follow_up": _l("Follow-up"), "emergency": _l("Emergency")}
PRIORITIES = (1, 2, 3, 4)
PRIORITY_LABELS = {1: _l("P1 – urgent"), 2: _l("P2 – high"), 3: _l("P3 – normal"),
                   4: _l("P4 – low")}
WORK_STATUSES = ("requested", "open", "in_progress", "on_hold", "done", "closed", "cancelled",
                 "rejected")
WORK_STATUS_LABELS = {
    "requested": _l("Requested"), "open": _l("Open"), "in_progress": _l("In progress"),
    "on_hold": _l("On hold"), "done": _l("Done"), "closed": _l("Closed"),
    "cancelled": _l("Cancelled"), "rejected": _l("Rejected")}
OPEN_WORK = ("open", "in_progress", "on_hold")  # approved, not finished: someone's work
UNFINISHED = ("requested", *OPEN_WORK)
ENDED = ("closed", "cancelled", "rejected")  # nothing more to do: done waits to be verified
# The unfinished work, as the partial index ix_work_order_unfinished names it: a query written
# with the same literal list is served by that small index (queries.unfinished()). SQLite's
# statistics hold no histogram: a plain index on the status looks like a quarter of the table
# per status, and the planner scanned 100,000 rows for the 5,000 still open.
UNFINISHED_SQL = "status IN ('requested', 'open', 'in_progress', 'on_hold')"
# Work that a failure made (MTBF, MTTR), and work planned ahead: as the partial indexes
# ix_work_order_failures and ix_work_order_planned name them (queries repeat them literally)
FAILURES_SQL = "kind IN ('corrective', 'emergency')"
PLANNED_SQL = "kind IN ('preventive', 'follow_up')"
HOLD_REASONS = ("parts", "access", "other")
HOLD_REASON_LABELS = {"parts": _l("Waiting for parts"), "access": _l("Waiting for access"),
                      "other": _l("Other")}


class WorkOrder(PublicIdMixin, TimestampMixin, db.Model):
    """Work on an asset: first a request (a fault report) that a supervisor approves (an open
    work order) or rejects; then started, perhaps put on hold, done, and closed by whoever
    verifies it (or cancelled)."""

    __entity__ = "workorder"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default="corrective")
    priority: Mapped[int] = mapped_column(default=3)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    description: Mapped[str] = mapped_column(Text)
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_code.id",
                                                            ondelete="SET NULL"))
    due_on: Mapped[date | None]
    asset_down: Mapped[bool] = mapped_column(default=False)  # said so by the reporter
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                  ondelete="SET NULL"))
    incident_id: Mapped[int | None]  # the incident it was reported from, if any
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                  ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    hold_reason: Mapped[str] = mapped_column(String(20), default="")
    hold_note: Mapped[str] = mapped_column(String(300), default="")
    started_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_on: Mapped[date | None]  # the day it was done, at the site (PM done on time?)
    closed_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                  ondelete="SET NULL"))
    work_done: Mapped[str] = mapped_column(Text, default="")
    failure_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_code.id",
                                                              ondelete="SET NULL"))
    cause_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_code.id",
                                                            ondelete="SET NULL"))
    remedy_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_code.id",
                                                             ondelete="SET NULL"))
    end_reason: Mapped[str] = mapped_column(Text, default="")  # why rejected or cancelled
    # preventive work generated by a plan: the plan, and the due date or reading it serves
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_plan.id",
                                                           ondelete="SET NULL"))
    plan_due_on: Mapped[date | None]
    plan_due_reading: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))

    site = relationship("Site")
    asset = relationship("Asset")
    skill = relationship("MaintenanceCode", foreign_keys=[skill_id])
    failure = relationship("MaintenanceCode", foreign_keys=[failure_id])
    cause = relationship("MaintenanceCode", foreign_keys=[cause_id])
    remedy = relationship("MaintenanceCode", foreign_keys=[remedy_id])
    reported_by = relationship("User", foreign_keys=[reported_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])
    assignees = relationship("User", secondary="work_order_assignee", order_by="User.name")
    plan = relationship("MaintenancePlan", foreign_keys=[plan_id])

    # No (site, created) index: the list walks ix_work_order_created and keeps its sites'
    # rows (with one, SQLite read every row of two sites and sorted them: 67 ms at 100,000).
    __table_args__ = (
        Index("ix_work_order_created", "created_at", "id"),  # the list, newest first
        Index("ix_work_order_asset_created", "asset_id", "created_at", "id"),
        Index("ix_work_order_status_created", "status", "created_at", "id"),
        Index("ix_work_order_status_due", "status", "due_on"),  # overdue
        Index("ix_work_order_unfinished", "site_id", "status", "due_on", "created_at",
              "plan_id",  # the home page counts the overdue preventive work from it alone
              "asset_id",  # and the overview the backlog of a category's assets
              sqlite_where=text(UNFINISHED_SQL), postgresql_where=text(UNFINISHED_SQL)),
        # the list of unfinished (or overdue) work, newest first, its filters from the entries
        Index("ix_work_order_unfinished_created", "created_at", "id", "site_id", "status",
              "due_on", "kind", "priority",
              sqlite_where=text(UNFINISHED_SQL), postgresql_where=text(UNFINISHED_SQL)),
        # My work: a site's open work sorted by urgency from the entries alone (a page's ids
        # first, queries.my_work)
        Index("ix_work_order_open_by_urgency", "site_id", "status", "priority", "due_on",
              "created_at", "skill_id",
              sqlite_where=text(UNFINISHED_SQL), postgresql_where=text(UNFINISHED_SQL)),
        # never two unfinished work orders of one plan, even from two workers at once
        Index("ux_work_order_plan_unfinished", "plan_id", unique=True,
              sqlite_where=text(f"plan_id IS NOT NULL AND {UNFINISHED_SQL}"),
              postgresql_where=text(f"plan_id IS NOT NULL AND {UNFINISHED_SQL}")),
        Index("ix_work_order_plan_due", "plan_id", "plan_due_on"),
        # The figures: repairs by when they were done, preventive work by its due date,
        # failures and planned work by when they were reported; each partial (the list, whose
        # filters never imply their WHERE, cannot take them: a (site, ...) index it could
        # take, it took, and sorted a site's rows) and covering (no row read for a figure,
        # the asset included: a category's figures keep their assets' rows from the index).
        Index("ix_work_order_repairs", "site_id", "done_at", "created_at", "asset_id",
              sqlite_where=text(f"done_at IS NOT NULL AND {FAILURES_SQL}"),
              postgresql_where=text(f"done_at IS NOT NULL AND {FAILURES_SQL}")),
        Index("ix_work_order_preventive_due", "site_id", "due_on", "done_on", "status",
              "asset_id",
              sqlite_where=text("plan_id IS NOT NULL"),
              postgresql_where=text("plan_id IS NOT NULL")),
        Index("ix_work_order_failures", "site_id", "created_at", "status", "asset_id",
              sqlite_where=text(FAILURES_SQL), postgresql_where=text(FAILURES_SQL)),
        Index("ix_work_order_planned", "site_id", "created_at", "status", "asset_id",
              sqlite_where=text(PLANNED_SQL), postgresql_where=text(PLANNED_SQL)),
    )

    @property
    def is_open(self) -> bool:
        return self.status in UNFINISHED

    def overdue(self, today: date) -> bool:
        return self.status in OPEN_WORK and self.due_on is not None and self.due_on < today


class WorkOrderAssignee(db.Model):
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"),
                                               primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)

    __table_args__ = (Index("ix_work_order_assignee_user", "user_id", "work_order_id"),)


class TechnicianSkill(db.Model):
    """A skill (a "skill" entry of the lists) a person has: unassigned work that needs it shows
    in their "My work"."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("maintenance_code.id",
                                                     ondelete="CASCADE"), primary_key=True)


class Downtime(db.Model):
    """A span in which an asset was down: from when it was reported (or logged) down until it
    was back in service (open while it is down). Spans of one asset may overlap (two faults at
    once); figures merge them, never counting an hour twice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id",
                                                                 ondelete="SET NULL"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    # ended_at too: the figures read a site's spans of a period from this index alone (a
    # third less time than looking each row up)
    __table_args__ = (Index("ix_downtime_asset_started", "asset_id", "started_at", "ended_at"),)


class WorkTypeRule(db.Model):
    """What a type of work order asks for at its close: the verifier's signature (sign-off)."""

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    sign_off: Mapped[bool] = mapped_column(default=False)


class WorkTask(db.Model):
    """A step of a work order, ticked when done, with an optional reading or note."""

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id",
                                                          ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(300))
    done: Mapped[bool] = mapped_column(default=False)
    reading: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    note: Mapped[str] = mapped_column(String(300), default="")
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None]

    done_by = relationship("User")


class LabourEntry(db.Model):
    """Time a person spent on a work order: a timer (started, stopped: kept on the server, so
    it runs on while the phone is off) or hours typed afterwards. A running timer has no end."""

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id",
                                                          ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    minutes: Mapped[int | None]  # set when the timer stops, or typed
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")

    __table_args__ = (Index("ix_labour_entry_user_running", "user_id", "ended_at"),
                      # the figures' periods: the hours, and the work they were logged on
                      Index("ix_labour_entry_started", "started_at", "work_order_id",
                            "minutes"))

    @property
    def running(self) -> bool:
        return self.ended_at is None


# --- preventive maintenance ----------------------------------------------------------------------

CALENDAR_UNITS = ("day", "week", "month")
CALENDAR_UNIT_LABELS = {"day": _l("days"), "week": _l("weeks"), "month": _l("months")}
EVERY_ONE_LABELS = {"day": _l("Every day"), "week": _l("Every week"),
                    "month": _l("Every month")}
SKIPPED_STANDS_OUT = 2  # work orders of a plan cancelled in a row before the plan stands out


class MaintenancePlan(TimestampMixin, CreatedByMixin, db.Model):
    """Preventive work on an asset, due by the calendar, by a meter, or by whichever comes first.

    What a person sets: the work (title, tasks, skill, time, type, priority) and the triggers.
    What the plan keeps: its baselines (where the calendar and the meter count from since the
    last completion) and what follows from them (`next_due_on`, `opens_on`, `due_reading`),
    computed by `triggers` whenever a baseline or a trigger changes, so that generation reads
    the plans that are due through an index instead of computing every plan."""

    __entity__ = "maintenanceplan"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(150))
    tasks: Mapped[str] = mapped_column(Text, default="")  # one task per line
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_code.id",
                                                            ondelete="SET NULL"))
    estimated_minutes: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(20), default="preventive")
    priority: Mapped[int] = mapped_column(default=3)
    # the calendar: every N days, weeks or months, on a grid from starts_on (fixed) or N
    # after the last completion (floating); first due on starts_on
    every: Mapped[int | None]
    every_unit: Mapped[str] = mapped_column(String(10), default="")
    fixed: Mapped[bool] = mapped_column(default=True)
    starts_on: Mapped[date | None]
    lead_days: Mapped[int] = mapped_column(default=0)
    # the meter: every N units, and/or when a reading goes above or below a value
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meter.id", ondelete="SET NULL"))
    meter_every: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    meter_above: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    meter_below: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    lead_units: Mapped[Decimal] = mapped_column(Numeric(14, 3), default=0)
    paused: Mapped[bool] = mapped_column(default=False)
    # the baselines: fixed, the grid date the next comes after; floating, the date N counts
    # from; the meter's value at the last completion
    calendar_from: Mapped[date | None]
    meter_baseline: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    last_done_on: Mapped[date | None]
    skipped_in_row: Mapped[int] = mapped_column(default=0)
    # computed from the above (triggers.refresh)
    next_due_on: Mapped[date | None]
    opens_on: Mapped[date | None]
    due_reading: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    # its work order while it is unfinished (no foreign key: work_order names the plan; the
    # unique index there is the guarantee, this the index generation reads through)
    open_work_order_id: Mapped[int | None]

    site = relationship("Site")
    asset = relationship("Asset")
    meter = relationship("Meter")
    skill = relationship("MaintenanceCode", foreign_keys=[skill_id])

    __table_args__ = (
        Index("ix_maintenance_plan_asset", "asset_id"),
        Index("ix_maintenance_plan_meter", "meter_id"),
        Index("ix_maintenance_plan_site_due", "site_id", "next_due_on"),
        # what the calendar opens: plans without unfinished work, by the day theirs opens
        Index("ix_maintenance_plan_to_open", "open_work_order_id", "opens_on"),
        # the PM calendar: a site's meter plans, and its calendar plans grouped by how they
        # fall due (covering: a site's thousands of plans read from the index alone)
        Index("ix_maintenance_plan_site_meter", "site_id", "meter_id",
              sqlite_where=text("meter_id IS NOT NULL"),
              postgresql_where=text("meter_id IS NOT NULL")),
        Index("ix_maintenance_plan_calendar", "site_id", "every", "every_unit", "fixed",
              "next_due_on", "starts_on", "open_work_order_id", "paused", "estimated_minutes",
              sqlite_where=text("every IS NOT NULL"), postgresql_where=text("every IS NOT NULL")),
    )

    @property
    def uses_meter(self) -> bool:
        return self.meter_id is not None and any(
            v is not None for v in (self.meter_every, self.meter_above, self.meter_below))

    @property
    def stands_out(self) -> bool:
        return self.skipped_in_row >= SKIPPED_STANDS_OUT

    @property
    def task_lines(self) -> list[str]:
        return [line.strip() for line in (self.tasks or "").splitlines() if line.strip()]


# --- the figures' daily rollup (maintenance.rollup) ----------------------------------------------

# what a day of a site's maintenance counts (the figures add them up by week or month)
DAY_FACTS = ("failures", "repairs", "repair_hours", "pm_due", "pm_on_time", "planned",
             "labour_hours", "downtime_hours")


class _DayFacts:
    failures: Mapped[int] = mapped_column(default=0)  # corrective and emergency, reported
    repairs: Mapped[int] = mapped_column(default=0)  # of those, done that day
    repair_hours: Mapped[float] = mapped_column(Float, default=0)  # reported to done
    pm_due: Mapped[int] = mapped_column(default=0)  # generated work due that day
    pm_on_time: Mapped[int] = mapped_column(default=0)  # of those, done by the due date
    planned: Mapped[int] = mapped_column(default=0)  # preventive and follow-up, reported
    labour_hours: Mapped[float] = mapped_column(Float, default=0)
    downtime_hours: Mapped[float] = mapped_column(Float, default=0)  # merged per asset


class MaintenanceDay(_DayFacts, db.Model):
    """A past day of a site's maintenance, per category of asset: what the site's and a
    category's figures add up (a year is some thousands of rows, not 100,000 work orders)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    day: Mapped[date]
    category_id: Mapped[int | None]  # the asset's category when the day was counted

    __table_args__ = (Index("ix_maintenance_day_site_day", "site_id", "day", "category_id"),)


class MaintenanceAssetDay(_DayFacts, db.Model):
    """A past day of one asset (only days with something to count): its own figures."""

    # the site first: an asset that moved has days at both sites
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"),
                                         primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"),
                                          primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)

    __table_args__ = (
        Index("ix_maintenance_asset_day_site_day", "site_id", "day"),  # counted again
    )


class MaintenanceRollup(db.Model):
    """How far a site's days are counted: every day up to `built_until` (its own dates)."""

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"),
                                         primary_key=True)
    built_until: Mapped[date | None]


class MaintenanceStale(db.Model):
    """A change to a site's past work (written in the same transaction as the change): the
    days from `from_at` to `to_at` (UTC) are counted again before the figures are read."""

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    from_at: Mapped[datetime]
    to_at: Mapped[datetime]

    __table_args__ = (Index("ix_maintenance_stale_site", "site_id", "from_at"),)
