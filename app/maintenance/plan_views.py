"""Preventive maintenance: the plans (a list, a plan's page, adding, changing, pausing and
copying them to the assets of a category) and the PM calendar of a site. The pages that show
planned work generate what has fallen due first (preventive.generate_on_read)."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.core.charts import bar
from app.core.domain import DomainError
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.models import utcnow
from app.core.pagination import keyset_page
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, render_page
from app.extensions import db
from app.maintenance import bp, pm_calendar, policy, preventive, queries, services, work_log
from app.maintenance.forms import MaintenancePlanForm, PlanActionForm
from app.maintenance.models import CALENDAR_UNIT_LABELS, EVERY_ONE_LABELS
from app.maintenance.work_order_views import WORK_LABELS, my_sites
from app.sites import queries as site_queries

PLAN_LABELS = {"unit_labels": CALENDAR_UNIT_LABELS, "every_one_labels": EVERY_ONE_LABELS,
               "number_text": services.number_text, "estimate_text": work_log.estimate_text,
               **WORK_LABELS}


@bp.route("/plans/")
@requires("plans.view")
def plans():
    preventive.generate_on_read(my_sites())
    filters = {"site_id": int_arg("site"),
               "state": text_arg("state") if text_arg("state") in queries.PLAN_STATES else ""}
    page = keyset_page(queries.plan_list(current_user, **filters), *queries.PLAN_ORDER)
    return render_page("maintenance/pm_plans.html", "plan_results", page=page, filters=filters,
                       states=queries.PLAN_STATES,
                       sites=db.session.execute(site_queries.site_options(current_user)).all(),
                       today=utcnow().date(), **PLAN_LABELS)


@bp.route("/assets/<uuid:asset_uuid>/plans/new", methods=["GET", "POST"])
@requires("plans.manage")
@idempotent
def plan_new(asset_uuid):
    asset = queries.get_asset(current_user, asset_uuid)
    form = MaintenancePlanForm(asset=asset)
    if form.validate_on_submit() and (plan := apply(form, preventive.create_plan, asset,
                                                    form.fields(), by=current_user)):
        flash(_("Plan %(title)s added.", title=plan.title), "success")
        return redirect(url_for("maintenance.plan", plan_id=plan.id), 303)
    return form_page("maintenance/pm_plan_form.html", form, form=form, asset=asset, plan=None)


@bp.route("/plans/<int:plan_id>")
@requires("plans.view")
def plan(plan_id: int):
    found = queries.get_plan(current_user, plan_id)
    if preventive.generate_on_read([found.site]):
        found = queries.get_plan(current_user, plan_id)  # as generation left it
    return render_page("maintenance/pm_plan.html", plan=found, asset=found.asset,
                       work=db.session.scalars(queries.work_of_plan(found)).all(),
                       may_manage=policy.may_manage_plans(current_user, found.asset),
                       action_form=PlanActionForm(formdata=None),
                       today=preventive.site_today(found.site), **PLAN_LABELS)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@requires("plans.manage")
def plan_edit(plan_id: int):
    found = queries.get_plan(current_user, plan_id)
    form = MaintenancePlanForm(asset=found.asset)
    if form.validate_on_submit():
        if apply(form, preventive.update_plan, found, form.fields(), by=current_user):
            flash(_("Plan %(title)s saved.", title=found.title), "success")
            return redirect(url_for("maintenance.plan", plan_id=found.id), 303)
    elif not form.is_submitted():
        form.fill_from(found)
    return form_page("maintenance/pm_plan_form.html", form, form=form, asset=found.asset,
                     plan=found)


@bp.route("/plans/<int:plan_id>/pause", methods=["POST"])
@requires("plans.manage")
def plan_pause(plan_id: int):
    return _set_paused(plan_id, True)


@bp.route("/plans/<int:plan_id>/resume", methods=["POST"])
@requires("plans.manage")
def plan_resume(plan_id: int):
    return _set_paused(plan_id, False)


def _set_paused(plan_id: int, paused: bool):
    found = queries.get_plan(current_user, plan_id)
    if found.paused == paused:
        flash(_("The plan is paused already.") if paused else _("The plan is not paused."),
              "info")
    else:
        preventive.set_paused(found, paused, by=current_user)
        flash(_("Plan paused: it opens no work orders.") if paused else _("Plan resumed."),
              "success")
    return redirect(url_for("maintenance.plan", plan_id=found.id), 303)


@bp.route("/plans/<int:plan_id>/copy", methods=["POST"])
@requires("plans.manage")
def plan_copy(plan_id: int):
    """The plan copied to the other assets of its asset's category at its site."""
    found = queries.get_plan(current_user, plan_id)
    try:
        copies, left_out = preventive.copy_to_category(found, by=current_user)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("maintenance.plan", plan_id=found.id), 303)
    flash(ngettext("Copied to %(num)d asset.", "Copied to %(num)d assets.", len(copies)),
          "success")
    if left_out:
        flash(ngettext("%(num)d asset has no meter named %(meter)s: not copied there.",
                       "%(num)d assets have no meter named %(meter)s: not copied there.",
                       left_out, meter=found.meter.name), "warning")
    return redirect(url_for("maintenance.plan", plan_id=found.id), 303)


@bp.route("/pm-calendar", endpoint="pm_calendar")
@requires("plans.view")
def pm_calendar_page():
    sites, site = site_queries.chosen_site(current_user, int_arg("site"))
    if site is None:
        abort(404)
    preventive.generate_on_read([site])
    week = min(max(int_arg("week") or 0, 0), pm_calendar.WEEKS - 1)
    calendar = pm_calendar.kept_calendar(site, shown=week)
    hours = [round(w.minutes / 60, 1) for w in calendar.weeks]
    chart = bar(_("Estimated hours per week"), [_week_label(w) for w in calendar.weeks], hours,
                unit=_("h"))
    return render_page("maintenance/pm_calendar.html", "pm_week", site=site, sites=sites,
                       calendar=calendar, chosen=calendar.weeks[week], week=week,
                       hours=hours, chart=chart, estimate_text=work_log.estimate_text)


def _week_label(week) -> str:
    return week.starts_on.strftime("%m-%d")
