"""Reads of scheduled rounds: schedules with their rule versions, the inspections started for
occurrences, and the rounds of a day (computed, then matched with those inspections)."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.core.scoping import scope
from app.extensions import db
from app.inspections.models import Inspection
from app.rounds import recurrence
from app.rounds.models import RoundNotice, RoundRule, RoundSchedule, RoundVisit
from app.sites.models import Location


def _with_rules(statement):
    return statement.options(selectinload(RoundSchedule.rules),
                             joinedload(RoundSchedule.site),
                             joinedload(RoundSchedule.template))


def active_schedules():
    """Every schedule (`flask rounds-check` skips the paused and ended by their rules)."""
    return _with_rules(select(RoundSchedule).order_by(RoundSchedule.id))


def schedules_at(user, site_id: int | None = None):
    """The schedules of the user's sites (or of one of them), by checklist."""
    statement = _with_rules(select(RoundSchedule).order_by(RoundSchedule.site_id,
                                                           RoundSchedule.id))
    if site_id:
        statement = statement.where(RoundSchedule.site_id == site_id)
    return scope(statement, user, RoundSchedule.site_id)


def get_schedule(user, schedule_id: int) -> RoundSchedule | None:
    return db.session.scalar(scope(_with_rules(select(RoundSchedule)).where(
        RoundSchedule.id == schedule_id), user, RoundSchedule.site_id))


def visit_of(occurrence) -> RoundVisit | None:
    return db.session.scalar(select(RoundVisit).options(joinedload(RoundVisit.inspection))
                             .where(RoundVisit.schedule_id == occurrence.schedule_id,
                                    RoundVisit.opens_at == occurrence.opens_at,
                                    RoundVisit.location_id == occurrence.location_id))


def visits_for(found: list) -> dict:
    """The inspections started for these occurrences, by occurrence key, in one query."""
    if not found:
        return {}
    schedule_ids = {o.schedule_id for o in found}
    first, last = min(o.opens_at for o in found), max(o.opens_at for o in found)
    rows = db.session.scalars(
        select(RoundVisit).join(RoundVisit.inspection)
        .options(contains_eager(RoundVisit.inspection).joinedload(Inspection.inspector))
        .where(RoundVisit.schedule_id.in_(schedule_ids),
               RoundVisit.opens_at.between(first, last)))
    return {(v.schedule_id, v.location_id, v.opens_at): v for v in rows}


def noticed(found: list) -> set:
    """The occurrences among these whose miss was told already."""
    if not found:
        return set()
    keys = [(o.schedule_id, o.location_id, o.opens_at) for o in found]
    rows = db.session.execute(select(RoundNotice.schedule_id, RoundNotice.location_id,
                                     RoundNotice.opens_at).where(
        tuple_(RoundNotice.schedule_id, RoundNotice.location_id, RoundNotice.opens_at)
        .in_(keys)))
    return {tuple(row) for row in rows}


@dataclass
class Round:
    """An occurrence as a page shows it: what, where, when (local), its status and its
    inspection (if one was started for it)."""

    occurrence: recurrence.Occurrence
    schedule: RoundSchedule
    rule: RoundRule
    location: Location
    status: str
    inspection: Inspection | None
    opens_local: datetime
    due_local: datetime


def rounds_between(schedules: list, start_day: date | None, days: int, now: datetime,
                   wanted=lambda schedule, rule: True) -> list[Round]:
    """Every round of these schedules on `days` local days from `start_day` (None: today),
    each schedule in its site's zone, with its status; `wanted(schedule, rule)` keeps some."""
    found: list[tuple] = []
    for schedule in schedules:
        zone = recurrence.zone_of(schedule.site.timezone)
        first = start_day or recurrence.to_local(now, zone).date()
        start, end = recurrence.day_bounds(first, zone, days)
        for occurrence in recurrence.occurrences(schedule, zone, start, end):
            rule = rule_at(schedule, occurrence.opens_at)
            if wanted(schedule, rule):
                found.append((occurrence, schedule, rule, zone))
    occurrences = [item[0] for item in found]
    visits = visits_for(occurrences)
    locations = _locations({o.location_id for o in occurrences})
    rounds = []
    for occurrence, schedule, rule, zone in found:
        visit = visits.get(occurrence.key)
        inspection = visit.inspection if visit else None
        location = locations.get(occurrence.location_id)
        if location is None:
            continue
        rounds.append(Round(occurrence, schedule, rule, location,
                            recurrence.status(occurrence, inspection, now), inspection,
                            recurrence.to_local(occurrence.opens_at, zone),
                            recurrence.to_local(occurrence.due_at, zone)))
    return rounds


def rule_at(schedule: RoundSchedule, moment: datetime) -> RoundRule:
    """The rule version in force at `moment` (the first, before any was)."""
    return next((r for r in reversed(schedule.rules) if r.effective_from <= moment),
                schedule.rules[0])


def _locations(ids: set) -> dict:
    if not ids:
        return {}
    return {loc.id: loc for loc in db.session.scalars(
        select(Location).options(joinedload(Location.area)).where(Location.id.in_(ids)))}


def assigned_to(user):
    """wanted= for Today: the rounds given to the user, or to a role the user has."""
    roles = user.role_set

    def wanted(_schedule, rule) -> bool:
        return rule.assignee_id == user.id or (rule.assignee_id is None and
                                               rule.assignee_role in roles)
    return wanted


# Today: what needs doing first
TODAY_ORDER = {"overdue": 0, "missed": 1, "open": 2, "upcoming": 3, "late": 4, "on_time": 4}
DONE = ("on_time", "late")


def todays_rounds(user, now: datetime) -> list[Round]:
    """The user's rounds of today at their sites (their own and their role's), overdue first,
    then by due time."""
    schedules = db.session.scalars(schedules_at(user)).unique().all()
    rounds = rounds_between(schedules, None, 1, now, assigned_to(user))
    return sorted(rounds, key=lambda r: (TODAY_ORDER[r.status], r.occurrence.due_at,
                                         r.location.name))
