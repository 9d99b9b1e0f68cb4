"""Figures of a checklist at a site over a period: how many scheduled rounds were done on time,
late or missed; the average score by week; the questions that fail most. None where there is
nothing to count (no round due is not 100 %)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select

from app.core.db import column_rows
from app.core.i18n import local_to_utc
from app.core.scoping import scope
from app.extensions import db
from app.inspections.models import (
    ChecklistQuestion,
    ChecklistSection,
    ChecklistTemplate,
    ChecklistVersion,
    Inspection,
    InspectionAnswer,
    localized,
)
from app.rounds import queries, recurrence

DECIDED = ("on_time", "late", "missed")  # rounds whose outcome is known


@dataclass
class Completion:
    on_time: int = 0
    late: int = 0
    missed: int = 0

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.missed

    def percent(self, status: str) -> float | None:
        return 100 * getattr(self, status) / self.decided if self.decided else None


def weeks_of(first: date, last: date) -> list[date]:
    """The Mondays of the weeks from `first` to `last`."""
    monday = first - timedelta(days=first.weekday())
    return [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def completion_by_week(schedules: list, weeks: list[date], now: datetime) -> list[Completion]:
    """The decided rounds of these schedules in each week (computed, in each site's zone):
    counted by opening, from the completed inspections' times; no round is built."""
    result = [Completion() for _ in weeks]
    if not weeks:
        return result
    found = []
    for schedule in schedules:
        zone = recurrence.zone_of(schedule.site.timezone)
        start, end = recurrence.day_bounds(weeks[0], zone, 7 * len(weeks))
        for opening in recurrence.openings(schedule, zone, start, min(end, now)):
            week = (recurrence.to_local(opening.opens_at, zone).date() - weeks[0]).days // 7
            if 0 <= week < len(weeks):
                found.append((opening, result[week]))
    completed = queries.completions_of([opening for opening, _tally in found])
    for opening, tally in found:
        places = set(opening.location_ids)
        times = [done for location_id, done in
                 completed.get((opening.schedule_id, opening.opens_at), ())
                 if location_id in places]
        on_time = sum(1 for done in times if done <= opening.due_at)
        tally.on_time += on_time
        tally.late += len(times) - on_time
        if now >= opening.missed_at:  # the rest were missed (until then: open or overdue)
            tally.missed += len(places) - len(times)
    return result


def total(completions: list[Completion]) -> Completion:
    return Completion(*(sum(getattr(c, s) for c in completions) for s in DECIDED))


def _completed(user, site_id: int, template_id: int, since: datetime, until: datetime):
    statement = select(Inspection).where(
        Inspection.site_id == site_id, Inspection.template_id == template_id,
        Inspection.status == "completed", Inspection.started_at >= since,
        Inspection.started_at < until)
    return scope(statement, user, Inspection.site_id)


def scores_by_week(user, site_id: int, template_id: int, weeks: list[date],
                   zone: str) -> list[float | None]:
    """The average score (% of the points) of the inspections started in each week."""
    if not weeks:
        return []
    # averaged in the database, by week: each week's start in UTC once, a CASE picks an
    # inspection's week (thousands of inspections, eight rows read)
    starts = [local_to_utc(datetime.combine(week, time()), zone) for week in weeks]
    until = local_to_utc(datetime.combine(weeks[-1] + timedelta(days=7), time()), zone)
    week = case(*((Inspection.started_at < end, number)
                  for number, end in enumerate([*starts[1:], until])), else_=len(weeks) - 1)
    statement = (_completed(user, site_id, template_id, starts[0], until)
                 .where(Inspection.possible > 0)
                 .with_only_columns(week, func.avg(100.0 * Inspection.points /
                                                   Inspection.possible))
                 .group_by(week))
    averages = dict(column_rows(statement).all())
    return [float(averages[n]) if averages.get(n) is not None else None
            for n in range(len(weeks))]


@dataclass
class FailingQuestion:
    label: str
    failures: int
    answers: int

    @property
    def percent(self) -> float:
        return 100 * self.failures / self.answers if self.answers else 0


def most_failed(user, site_id: int, template: ChecklistTemplate, since: datetime,
                until: datetime, limit: int = 10) -> list[FailingQuestion]:
    """The questions failed most often in the period, with how often they were answered (keys
    stay the same across versions: the newest version's wording names them)."""
    inspections = _completed(user, site_id, template.id, since, until).with_only_columns(
        Inspection.id).scalar_subquery()
    statement = (select(InspectionAnswer.question_key,
                        func.sum(func.cast(InspectionAnswer.failed, db.Integer)),
                        func.count(InspectionAnswer.id))
                 .where(InspectionAnswer.inspection_id.in_(inspections))
                 .group_by(InspectionAnswer.question_key)
                 .having(func.sum(func.cast(InspectionAnswer.failed, db.Integer)) > 0)
                 .order_by(func.sum(func.cast(InspectionAnswer.failed, db.Integer)).desc(),
                           InspectionAnswer.question_key).limit(limit))
    found = column_rows(statement).all()
    labels = _question_labels(template.id, [key for key, _f, _a in found])
    return [FailingQuestion(labels.get(key, key), int(failures), int(answered))
            for key, failures, answered in found]


def _question_labels(template_id: int, keys: list[str]) -> dict[str, str]:
    """The newest published wording of these questions of the checklist: one query."""
    if not keys:
        return {}
    newest = (select(func.max(ChecklistVersion.id))
              .where(ChecklistVersion.template_id == template_id,
                     ChecklistVersion.published_at.is_not(None)).scalar_subquery())
    rows = db.session.execute(
        select(ChecklistQuestion.key, ChecklistQuestion.prompt, ChecklistQuestion.prompt_zh)
        .join(ChecklistSection, ChecklistSection.id == ChecklistQuestion.section_id)
        .where(ChecklistSection.version_id == newest, ChecklistQuestion.key.in_(keys)))
    return {key: localized(prompt, prompt_zh) for key, prompt, prompt_zh in rows}
