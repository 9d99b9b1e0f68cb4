"""Rounds: Today (the rounds open now and later today that are mine), one tap to start or
resume one; schedules made, edited, paused and resumed by supervisors; the board of a site's
day or week."""

import uuid
from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.core import charts
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.models import utcnow
from app.core.params import date_arg, int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, render_page
from app.extensions import db
from app.inspections import queries as inspection_queries
from app.rounds import bp, queries, recurrence, services
from app.rounds import figures as numbers
from app.rounds.forms import PauseForm, ScheduleForm, StartRoundForm
from app.rounds.models import (
    FREQUENCY_LABELS,
    ORDINAL_LABELS,
    STATUS_LABELS,
    WEEKDAY_LABELS,
)
from app.sites import queries as site_queries
from app.sites.models import Site


def page_labels() -> dict:
    """The words of the rounds' pages, translated once a request (a board of a week shows a
    status for each of a few hundred rounds)."""
    return {"status_labels": {k: str(v) for k, v in STATUS_LABELS.items()},
            "frequency_labels": FREQUENCY_LABELS, "weekday_labels": WEEKDAY_LABELS,
            "ordinal_labels": ORDINAL_LABELS, "fresh_key": lambda: uuid.uuid4().hex}
@bp.route("/")
@requires("rounds.do")
def today():
    rounds = queries.todays_rounds(current_user, utcnow())
    done = queries.DONE
    return render_page("rounds/today.html", start_url=url_for("rounds.start"),
                       to_do=[r for r in rounds if r.status not in done],
                       done=[r for r in rounds if r.status in done],
                       words=queries.round_words(),
                       **page_labels())


@bp.route("/start", methods=["POST"])
@requires("rounds.do")
@idempotent
def start():
    """One tap on a round of Today: its inspection, started now or resumed. One URL for every
    round (the round is named by the form's hidden fields): a list of a hundred rounds builds
    no URL per round."""
    form = StartRoundForm()
    opens = _moment(form.opens.data)
    schedule_id, location_id = (int(value) if (value or "").isdigit() and len(value) < 10
                                else None for value in (form.schedule.data, form.location.data))
    if form.validate_on_submit() and opens and schedule_id and location_id:
        inspection = apply(form, services.start_round, _schedule(schedule_id), location_id,
                           opens, by=current_user)
        if inspection:
            return redirect(url_for("inspections.inspection", inspection_id=inspection.id), 303)
    for error in form.form_errors or [_("This round is not in the schedule.")]:
        flash(str(error), "error")
    return redirect(url_for("rounds.today"), 303)


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text or "").replace(tzinfo=None)
    except ValueError:
        return None


def _schedule(schedule_id: int):
    schedule = queries.get_schedule(current_user, schedule_id)
    if schedule is None:
        abort(404)
    return schedule


# --- schedules -----------------------------------------------------------------------------------

@bp.route("/schedules")
@requires("rounds.plan")
def schedules():
    site_id = int_arg("site")
    found = db.session.scalars(queries.schedules_at(current_user, site_id)).unique().all()
    sites = db.session.execute(site_queries.site_options(current_user)).all()
    return render_page("rounds/schedules.html", schedules=found, sites=sites, site_id=site_id,
                       locations=_location_names(found), **page_labels())


def _location_names(found: list) -> dict:
    """id -> name of the locations these schedules' rules name: one query."""
    places = queries.locations_by_id({i for schedule in found for i in schedule.rule.location_ids})
    return {location_id: place.name for location_id, place in places.items()}


def _chosen_site() -> tuple[list[Site], Site | None]:
    """The user's sites, and the one ?site= names (else the first): the site menus of the
    schedule form, the board and the figures."""
    return site_queries.chosen_site(current_user, int_arg("site"))


def _site_for_new() -> Site:
    _sites, site = _chosen_site()
    if site is None:
        abort(404)
    return site


@bp.route("/schedules/new", methods=["GET", "POST"])
@requires("rounds.plan")
@idempotent
def schedule_new():
    site = _site_for_new()
    form = ScheduleForm(site=site, user=current_user)
    if form.validate_on_submit():
        from app.inspections.models import ChecklistTemplate

        template = db.session.get(ChecklistTemplate, form.template.data)
        schedule = apply(form, services.create_schedule, site, template, form.fields(),
                         by=current_user)
        if schedule:
            flash(_("Round scheduled: %(title)s.", title=template.label), "success")
            return redirect(url_for("rounds.schedules", site=site.id), 303)
    sites = db.session.execute(site_queries.site_options(current_user)).all()
    return form_page("rounds/schedule_form.html", form, form=form, site=site, sites=sites,
                     schedule=None, **page_labels())


@bp.route("/schedules/<int:schedule_id>", methods=["GET", "POST"])
@requires("rounds.plan")
def schedule_edit(schedule_id: int):
    schedule = _schedule(schedule_id)
    form = ScheduleForm(site=schedule.site, user=current_user)
    del form.template  # a schedule keeps its checklist: another checklist is another schedule
    if form.validate_on_submit():
        if apply(form, services.edit_schedule, schedule, form.fields(), by=current_user):
            flash(_("Schedule changed: the change applies from the next round on."),
                  "success")
            return redirect(url_for("rounds.schedules", site=schedule.site_id), 303)
    elif not form.is_submitted():
        form.fill_from(schedule)
    return form_page("rounds/schedule_form.html", form, form=form, site=schedule.site,
                     schedule=schedule, pause_form=PauseForm(formdata=None), **page_labels())


@bp.route("/schedules/<int:schedule_id>/pause", methods=["POST"])
@requires("rounds.plan")
def schedule_pause(schedule_id: int):
    return _pause_or_resume(schedule_id, services.pause, _("Schedule paused: no rounds until "
                                                          "it is resumed."))


@bp.route("/schedules/<int:schedule_id>/resume", methods=["POST"])
@requires("rounds.plan")
def schedule_resume(schedule_id: int):
    return _pause_or_resume(schedule_id, services.resume, _("Schedule resumed."))


def _pause_or_resume(schedule_id: int, service, done: str):
    schedule = _schedule(schedule_id)
    form = PauseForm()
    if form.validate_on_submit() and apply(form, service, schedule, by=current_user):
        flash(done, "success")
    for error in form.form_errors:
        flash(str(error), "error")
    return redirect(url_for("rounds.schedule_edit", schedule_id=schedule.id), 303)


# --- the board -----------------------------------------------------------------------------------

@bp.route("/board")
@requires("rounds.plan")
def board():
    """A site's rounds of a day, or of the week (from Monday) that holds it."""
    sites, site = _chosen_site()
    week = text_arg("view") == "week"
    zone = recurrence.zone_of(site.timezone if site else None)
    now = utcnow()
    day = date_arg("day") or recurrence.to_local(now, zone).date()
    first = day - timedelta(days=day.weekday()) if week else day
    days = 7 if week else 1
    rounds = []
    if site is not None:
        found = db.session.scalars(queries.schedules_at(current_user, site.id)).unique().all()
        rounds = sorted(queries.rounds_between(found, first, days, now),
                        key=lambda r: (r.opens_local, r.location.name))
    by_day = {first + timedelta(days=n): [] for n in range(days)}
    for found_round in rounds:
        by_day.setdefault(found_round.opens_local.date(), []).append(found_round)
    counts = {status: sum(1 for r in rounds if r.status == status) for status in STATUS_LABELS}
    words = page_labels()
    return render_page("rounds/board.html", "board", site=site, sites=sites, day=day,
                       week=week, by_day=by_day, counts=counts, step=timedelta(days=days),
                       grid=_week_grid(rounds, list(by_day), words["status_labels"])
                       if week else [], marks=MARKS, **words)


# A status in a cell of the week's grid: a mark, its name for screen readers and as its tooltip
MARKS = {"on_time": "✓", "late": "✓", "missed": "✗", "overdue": "!", "open": "○",
         "upcoming": "·"}
CELL = Markup('<span class="mark rs-{status}" title="{title}"><span aria-hidden="true">{mark}'
              '</span><span class="visually-hidden">{label}</span></span>')


def _week_grid(rounds: list, days: list[date], status_labels: dict) -> list[dict]:
    """A week as a grid: a row per round of the day (checklist, time, location), a cell per
    day: a week's few hundred rounds read at a glance, in a page a third of the size of seven
    days' lists. A cell's markup is made once for each status and inspector (a handful for
    hundreds of cells), the slowest part of the page when the template made each."""
    cells: dict[tuple, Markup] = {}

    def cell(found_round) -> Markup:
        who = found_round.inspection.inspector_name if found_round.inspection else ""
        key = (found_round.status, who)
        if key not in cells:
            label = status_labels[found_round.status]
            cells[key] = CELL.format(status=found_round.status, mark=MARKS[found_round.status],
                                     label=label, title=f"{label} · {who}" if who else label)
        return cells[key]

    rows: dict[tuple, dict] = {}
    for found_round in rounds:
        key = (found_round.opens, found_round.title, found_round.where,
               found_round.schedule.id)
        row = rows.setdefault(key, {"round": found_round, "cells": [""] * len(days)})
        index = (found_round.opens_local.date() - days[0]).days
        if 0 <= index < len(days):
            row["cells"][index] = cell(found_round)
    return [rows[key] for key in sorted(rows)]


# --- figures -------------------------------------------------------------------------------------

WEEKS = (4, 8, 13, 26, 52)


@bp.route("/figures")
@requires("rounds.plan")
def figures():
    """A checklist at a site over the last weeks: rounds done on time, late or missed, the
    average score by week, the questions that fail most; charts with their numbers."""
    sites, site = _chosen_site()
    templates = db.session.scalars(inspection_queries.startable_templates(
        current_user, site.id)).all() if site else []
    template = next((t for t in templates if t.id == int_arg("template")),
                    templates[0] if templates else None)
    weeks_back = int_arg("weeks") if int_arg("weeks") in WEEKS else 8
    context = {"sites": sites, "site": site, "templates": templates, "checklist": template,
               "weeks_back": weeks_back, "week_choices": WEEKS}
    if site is None or template is None:  # nothing to show figures of
        return render_page("rounds/figures.html", **context, **page_labels())
    zone = recurrence.zone_of(site.timezone)
    now = utcnow()
    today = recurrence.to_local(now, zone).date()
    weeks = numbers.weeks_of(today - timedelta(weeks=weeks_back - 1), today)
    schedules = [s for s in db.session.scalars(queries.schedules_at(
        current_user, site.id)).unique() if s.template_id == template.id]
    completion = numbers.completion_by_week(schedules, weeks, now)
    scores = numbers.scores_by_week(current_user, site.id, template.id, weeks, site.timezone)
    since, _until = recurrence.day_bounds(weeks[0], zone)
    failing = numbers.most_failed(current_user, site.id, template, since, now)
    labels = [_("week of %(day)s", day=week.strftime("%m-%d")) for week in weeks]
    on_time = [c.percent("on_time") for c in completion]
    context.update(
        completion=completion, total=numbers.total(completion), failing=failing,
        on_time_chart=charts.bar(_("Rounds done on time"), labels, on_time, unit="%",
                                 maximum=100),
        score_chart=charts.line(_("Average score"), labels, scores, unit="%", maximum=100),
        failing_chart=charts.bar(_("Failures of the questions that fail most"),
                                 [q.label for q in failing],
                                 [q.failures for q in failing]),
        labels=labels, scores=scores)
    return render_page("rounds/figures.html", **context, **page_labels())
