"""The maintenance overview: MTTR, MTBF, availability, PM compliance, labour, planned against
unplanned work, the backlog by age and the assets down longest, for a site, a category of its
assets or one asset, over 4 or 12 weeks or 12 months; trends as small charts with their
numbers beside them. An asset's page loads its own figures from here (a fragment)."""

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from app.core.charts import line
from app.core.models import utcnow
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import render_page
from app.maintenance import bp, figures, queries
from app.maintenance.figures import PERIODS, Scope
from app.sites import queries as site_queries


@bp.route("/overview")
@requires("maintenance.figures")
def overview():
    sites, site = site_queries.chosen_site(current_user, int_arg("site"))
    if site is None:
        abort(404)
    asset = queries.asset_of_site(current_user, int_arg("asset"), site.id)
    categories = queries.code_options("category")
    category_id = int_arg("category") if int_arg("category") in dict(categories) else None
    period = text_arg("period") if text_arg("period") in PERIODS else "12w"
    figure_scope = Scope(site.id, category_id=None if asset else category_id,
                         asset_id=asset.id if asset else None)
    found = figures.site_figures(current_user, site, figure_scope, period=period)
    labels = [bucket.label for bucket in found.buckets]
    charts = {
        "availability": line(_("Availability"), labels,
                             [b.availability for b in found.buckets], unit="%", maximum=100),
        "mttr": line(_("MTTR"), labels, [b.mttr for b in found.buckets], unit=_("h")),
        "pm": line(_("PM compliance"), labels, [b.pm_compliance for b in found.buckets],
                   unit="%", maximum=100),
    }
    backlog = queries.backlog_by_age(current_user, utcnow(), site.id,
                                     asset_id=figure_scope.asset_id,
                                     category_id=figure_scope.category_id)
    return render_page("maintenance/overview.html", "overview_figures", site=site, sites=sites,
                       asset=asset, categories=categories, category_id=category_id,
                       period=period, figures=found, charts=charts, backlog=backlog)
