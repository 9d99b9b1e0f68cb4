"""Reads of scheduled rounds: schedules with their rule versions, the inspections started for
occurrences, and the rounds of a day (computed, then matched with those inspections)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import User
from app.core.db import column_rows
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


class Visit(NamedTuple):
    """The inspection started for an occurrence, as lists show it and as a status needs it:
    columns, not records (a week's board has hundreds)."""

    id: int
    status: str
    completed_at: datetime | None
    reference: str
    inspector_name: str


def visits_for(found: list) -> dict:
    """occurrence key -> the inspection started for it (a Visit), in one query."""
    if not found:
        return {}
    rows = column_rows(
        select(RoundVisit.schedule_id, RoundVisit.location_id, RoundVisit.opens_at,
               Inspection.id, Inspection.status, Inspection.completed_at,
               Inspection.reference, User.name)
        .join(Inspection, Inspection.id == RoundVisit.inspection_id)
        .outerjoin(User, User.id == Inspection.inspector_id)
        .where(RoundVisit.schedule_id.in_({o.schedule_id for o in found}),
               RoundVisit.opens_at.between(min(o.opens_at for o in found),
                                           max(o.opens_at for o in found))))
    return {(sid, lid, opens): Visit(inspection_id, status, done, reference, name or "")
            for sid, lid, opens, inspection_id, status, done, reference, name in rows}


def completions_of(openings: list) -> dict[tuple, list[tuple[int, datetime]]]:
    """(schedule, opening) -> (location, completed at) of the inspections completed for these
    openings, in one query of three columns (8 weeks of a site's figures: a few thousand)."""
    if not openings:
        return {}
    rows = column_rows(
        select(RoundVisit.schedule_id, RoundVisit.opens_at, RoundVisit.location_id,
               Inspection.completed_at)
        .join(Inspection, Inspection.id == RoundVisit.inspection_id)
        .where(RoundVisit.schedule_id.in_({o.schedule_id for o in openings}),
               RoundVisit.opens_at.between(min(o.opens_at for o in openings),
                                           max(o.opens_at for o in openings)),
               Inspection.status == "completed"))
    found: dict[tuple, list] = {}
    for schedule_id, opens_at, location_id, completed_at in rows:
        found.setdefault((schedule_id, opens_at), []).append((location_id, completed_at))
    return found


def todays_status_counts(schedules: list, now: datetime) -> dict[str, int]:
    """How many of today's rounds of these schedules are in each status (each site's today)."""
    found = []
    for schedule in schedules:
        zone = recurrence.zone_of(schedule.site.timezone)
        start, end = recurrence.day_bounds(recurrence.to_local(now, zone).date(), zone)
        found.extend(recurrence.occurrences(schedule, zone, start, end))
    states = visits_for(found)
    counts: dict[str, int] = {}
    for occurrence in found:
        status = recurrence.status(occurrence, states.get(occurrence.key), now)
        counts[status] = counts.get(status, 0) + 1
    return counts


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
    inspection (if one was started for it). The texts a list shows come made here (`title`,
    `where`, `opens`, `due`): a week's board shows hundreds of rounds, and Python makes them
    several times faster than the template would."""

    occurrence: recurrence.Occurrence
    schedule: RoundSchedule
    rule: RoundRule
    location: Location
    status: str
    inspection: Visit | None
    opens_local: datetime
    due_local: datetime
    title: str = ""
    where: str = ""
    opens: str = ""
    due: str = ""


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
    locations = locations_by_id({o.location_id for o in occurrences})
    rounds = []
    titles = {schedule.id: schedule.title for schedule in schedules}
    places = {loc.id: f"{loc.area.name} · {loc.name}" for loc in locations.values()}
    for occurrence, schedule, rule, zone in found:
        inspection = visits.get(occurrence.key)
        location = locations.get(occurrence.location_id)
        if location is None:
            continue
        opens = recurrence.to_local(occurrence.opens_at, zone)
        due = recurrence.to_local(occurrence.due_at, zone)
        rounds.append(Round(occurrence, schedule, rule, location,
                            recurrence.status(occurrence, inspection, now), inspection, opens,
                            due, titles[schedule.id], places[location.id],
                            opens.strftime("%H:%M"), due.strftime("%H:%M")))
    return rounds


def rule_at(schedule: RoundSchedule, moment: datetime) -> RoundRule:
    """The rule version in force at `moment` (the first, before any was)."""
    return next((r for r in reversed(schedule.rules) if r.effective_from <= moment),
                schedule.rules[0])


def locations_by_id(ids: set) -> dict:
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


def round_words() -> dict[str, str]:
    """The fixed words of a list of rounds (templates/rounds/_rounds.html), translated once a
    page; the placeholders of a sentence are filled in by the template's `format`."""
    return {"window": _("%(opens)s – due %(due)s"), "report": _("Report"),
            "resume": _("Resume"), "start": _("Start"),
            "start_at": _("Start %(what)s at %(where)s"), "to_do": _("To do"),
            "none_left": _("No rounds left for you today.")}


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
