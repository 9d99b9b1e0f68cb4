"""The changes of scheduled rounds: schedules made, edited, paused and resumed (each a new
version of the rule, in force from that moment), rounds started for an occurrence, missed
rounds told to supervisors once."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.core import audit, notifications
from app.core.domain import DomainError
from app.core.models import utcnow
from app.core.urls import path_for
from app.extensions import db
from app.inspections import answers
from app.inspections import policy as inspection_policy
from app.rounds import policy, queries, recurrence
from app.rounds.models import (
    ASSIGNABLE_ROLES,
    FREQUENCIES,
    RoundNotice,
    RoundRule,
    RoundSchedule,
    RoundVisit,
)
from app.sites.models import Location

MAX_TIMES = 12  # opening times a day
MAX_WINDOW = 31 * 24 * 60  # minutes: a monthly round may be open all month
MAX_LOCATIONS = 200

notifications.register("round_missed", _l("Round missed: %(what)s at %(where)s, %(when)s"))


@dataclass
class RuleFields:
    """What a supervisor sets on a schedule (forms.ScheduleForm.fields())."""

    frequency: str
    times: list[str]
    weekdays: list[int]
    month_day: int | None
    month_ordinal: int | None
    month_weekday: int | None
    window_minutes: int
    grace_minutes: int
    location_ids: list[int]
    assignee_id: int | None
    assignee_role: str | None
    starts_on: date
    ends_on: date | None


def _checked(site, fields: RuleFields) -> RuleFields:
    """The rule as it may be kept, or DomainError naming the field that is wrong."""
    if fields.frequency not in FREQUENCIES:
        raise DomainError(_l("Choose how often."), field="frequency")
    if not fields.times or len(fields.times) > MAX_TIMES:
        raise DomainError(_l("Give one to %(max)d opening times, such as 08:00, 14:00.",
                             max=MAX_TIMES), field="times")
    if fields.frequency == "weekly" and not fields.weekdays:
        raise DomainError(_l("Choose the weekdays."), field="weekdays")
    if fields.frequency == "monthly" and not fields.month_day and (
            fields.month_ordinal is None or fields.month_weekday is None):
        raise DomainError(_l("Choose a day of the month, or which weekday of the month."),
                          field="month_day")
    if not 0 < fields.window_minutes <= MAX_WINDOW:
        raise DomainError(_l("The round must be due some time after it opens."),
                          field="window_minutes")
    if not 0 <= fields.grace_minutes <= MAX_WINDOW:
        raise DomainError(_l("Enter a grace period of zero or more minutes."),
                          field="grace_minutes")
    if fields.ends_on is not None and fields.ends_on < fields.starts_on:
        raise DomainError(_l("The end date is before the start date."), field="ends_on")
    _check_locations(site, fields.location_ids)
    _check_assignee(site, fields)
    if fields.frequency != "weekly":
        fields.weekdays = []
    if fields.frequency != "monthly":
        fields.month_day = fields.month_ordinal = fields.month_weekday = None
    elif fields.month_day:
        fields.month_ordinal = fields.month_weekday = None
    return fields


def _check_locations(site, location_ids: list[int]) -> None:
    if not location_ids or len(location_ids) > MAX_LOCATIONS:
        raise DomainError(_l("Choose where: one or more locations."), field="location_ids")
    found = set(db.session.scalars(select(Location.id).where(
        Location.id.in_(location_ids), Location.site_id == site.id)))
    if found != set(location_ids):
        raise DomainError(_l("Choose locations of this site."), field="location_ids")


def _check_assignee(site, fields: RuleFields) -> None:
    if fields.assignee_id is None:
        if fields.assignee_role not in ASSIGNABLE_ROLES:
            raise DomainError(_l("Choose who does the round."), field="assignee")
        return
    fields.assignee_role = None
    person = db.session.get(User, fields.assignee_id)
    if person is None or not person.active or site.id not in person.site_ids or \
            not person.can("inspections.inspect"):
        raise DomainError(_l("Choose someone of this site who inspects."), field="assignee")


def _check_template(site, template) -> None:
    if template is None or template.published is None or template.archived_at is not None:
        raise DomainError(_l("Choose a published checklist."), field="template")
    if not (template.all_sites or site.id in {s.id for s in template.sites}):
        raise DomainError(_l("This checklist is not used at this site."), field="template")


def _rule(fields: RuleFields, effective_from: datetime, paused: bool = False) -> RoundRule:
    return RoundRule(effective_from=effective_from, paused=paused, **vars(fields))


def _fields_of(rule: RoundRule) -> RuleFields:
    return RuleFields(**{name: getattr(rule, name) for name in RuleFields.__dataclass_fields__})


def create_schedule(site, template, fields: RuleFields, *, by) -> RoundSchedule:
    """A new schedule, in force from the start of its first day (today's rounds that are
    still open show at once)."""
    _check_template(site, template)
    fields = _checked(site, fields)
    zone = recurrence.zone_of(site.timezone)
    today = recurrence.to_local(utcnow(), zone).date()
    first_day = max(fields.starts_on, today)
    schedule = RoundSchedule(site_id=site.id, template_id=template.id, created_by_id=by.id)
    schedule.rules.append(_rule(fields, recurrence.to_utc(datetime.combine(first_day, time()),
                                                          zone)))
    db.session.add(schedule)
    db.session.flush()
    audit.record(by, "create", schedule, summary=f"{template.title} ({fields.frequency})")
    return schedule


def _new_version(schedule: RoundSchedule, rule: RoundRule) -> None:
    """In force from now: versions that were not yet in force give way to it."""
    for future in [r for r in schedule.rules if r.effective_from >= rule.effective_from]:
        schedule.rules.remove(future)
    schedule.rules.append(rule)
    db.session.flush()


def edit_schedule(schedule: RoundSchedule, fields: RuleFields, *, by) -> None:
    """Applies from the next occurrence on: what has opened keeps the rule it had."""
    before = vars(_fields_of(schedule.rule)).copy()
    fields = _checked(schedule.site, fields)
    _new_version(schedule, _rule(fields, utcnow(), paused=schedule.rule.paused))
    audit.record(by, "update", schedule, summary=schedule.template.title,
                 before=_jsonable(before), after=_jsonable(vars(fields)))


def _jsonable(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def pause(schedule: RoundSchedule, *, by) -> None:
    if schedule.rule.paused:
        raise DomainError(_l("This schedule is paused already."))
    _new_version(schedule, _rule(_fields_of(schedule.rule), utcnow(), paused=True))
    audit.record(by, "pause", schedule, summary=schedule.template.title)


def resume(schedule: RoundSchedule, *, by) -> None:
    if not schedule.rule.paused:
        raise DomainError(_l("This schedule is not paused."))
    _new_version(schedule, _rule(_fields_of(schedule.rule), utcnow()))
    audit.record(by, "resume", schedule, summary=schedule.template.title)


# --- doing a round -------------------------------------------------------------------------------

def find_occurrence(schedule: RoundSchedule, location_id: int, opens_at: datetime):
    zone = recurrence.zone_of(schedule.site.timezone)
    found = recurrence.occurrences(schedule, zone, opens_at, opens_at + timedelta(seconds=1))
    return next((o for o in found if o.location_id == location_id), None)


def start_round(schedule: RoundSchedule, location_id: int, opens_at: datetime, *, by):
    """The inspection of an occurrence: the one started for it already (a round in progress
    resumes; two taps at once make one), or a new one linked to it."""
    occurrence = find_occurrence(schedule, location_id, opens_at)
    if occurrence is None:
        raise DomainError(_l("This round is not in the schedule."))
    if not policy.may_do(by, schedule, queries.rule_at(schedule, opens_at)):
        raise DomainError(_l("This round is someone else's."))
    if utcnow() < occurrence.opens_at:
        raise DomainError(_l("This round is not open yet."))
    visit = queries.visit_of(occurrence)
    if visit is not None:
        return visit.inspection
    location = db.session.get(Location, location_id)
    if not inspection_policy.may_see(by, schedule.template):
        raise DomainError(_l("This checklist is not used at this site."))
    try:
        with db.session.begin_nested():
            inspection = answers.start(schedule.template, location, by=by)
            db.session.add(RoundVisit(inspection_id=inspection.id, schedule_id=schedule.id,
                                      location_id=location_id, opens_at=opens_at))
            db.session.flush()
    except IntegrityError:  # started at the same moment by someone else: that one
        return queries.visit_of(occurrence).inspection
    return inspection


# --- missed rounds -------------------------------------------------------------------------------

LOOK_BACK = timedelta(days=2)  # rounds missed longer ago than this are not news any more


def tell_missed(now: datetime | None = None) -> int:
    """Tell each site's supervisors once about each round missed lately; returns how many.
    Run every few minutes (`flask rounds-check`); a second run tells nothing again."""
    now = now or utcnow()
    return sum(_tell_missed_of(schedule, now)
               for schedule in db.session.scalars(queries.active_schedules()))


def _tell_missed_of(schedule: RoundSchedule, now: datetime) -> int:
    from app.incidents.queries import site_supervisors

    zone = recurrence.zone_of(schedule.site.timezone)
    window = max(r.window_minutes + r.grace_minutes for r in schedule.rules)
    found = recurrence.occurrences(schedule, zone, now - LOOK_BACK - timedelta(minutes=window),
                                   now)
    missed = [o for o in found if LOOK_BACK > now - o.missed_at >= timedelta(0)]
    if not missed:
        return 0
    visits, noticed = queries.visits_for(missed), queries.noticed(missed)
    news = [o for o in missed if o.key not in noticed
            and recurrence.status(o, visits.get(o.key), now) == "missed" and _noted(o)]
    if not news:
        return 0
    supervisors = site_supervisors(schedule.site_id)
    places = queries.locations_by_id({o.location_id for o in news})
    for occurrence in news:
        local = recurrence.to_local(occurrence.opens_at, zone)
        place = places.get(occurrence.location_id)
        notifications.notify(
            supervisors, "round_missed",
            link=path_for("rounds.board", site=schedule.site_id, day=local.date().isoformat()),
            what=schedule.template.title, where=place.name if place else "",
            when=local.strftime("%Y-%m-%d %H:%M"))
    return len(news)


def _noted(occurrence) -> bool:
    """The miss written down as told; False when another checker wrote it first."""
    try:
        with db.session.begin_nested():
            db.session.add(RoundNotice(schedule_id=occurrence.schedule_id,
                                       location_id=occurrence.location_id,
                                       opens_at=occurrence.opens_at))
            db.session.flush()
    except IntegrityError:
        return False
    return True
