from datetime import UTC, datetime

from flask_babel import format_date
from flask_login import current_user

from app.core.i18n import utc_to_local
from app.core.models import utcnow
from app.core.permissions import requires
from app.core.render import render_page
from app.dashboard import bp, queries
from app.dashboard.panels import home_panels
from app.extensions import db
from app.sites import queries as site_queries

HOME_SITES = 6  # more than this: a link to the paginated list


@bp.route("/")
@requires("home.view")
def home():
    summaries = site_queries.site_summaries(current_user).limit(HOME_SITES + 1)
    sites = db.session.execute(summaries).all()
    recent = db.session.scalars(queries.recent_activity(current_user, limit=8)).all()
    local_today = utc_to_local(utcnow(), current_user.timezone).date()
    work = db.session.execute(queries.my_work(current_user, local_today)).one()
    today = format_date(datetime.now(UTC), "full")
    return render_page("dashboard/home.html", sites=sites[:HOME_SITES],
                       more_sites=len(sites) > HOME_SITES, recent=recent, today=today,
                       work=work, panels=home_panels(current_user))
