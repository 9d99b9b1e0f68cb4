from datetime import UTC, datetime

from flask_babel import format_date
from flask_login import current_user

from app.core.permissions import requires
from app.core.render import render_page
from app.dashboard import bp, queries
from app.extensions import db
from app.sites import queries as site_queries


@bp.route("/")
@requires("home.view")
def home():
    sites = db.session.execute(site_queries.site_summaries(current_user)).all()
    recent = db.session.scalars(queries.recent_activity(current_user, limit=8)).all()
    today = format_date(datetime.now(UTC), "full")
    return render_page("dashboard/home.html", sites=sites, recent=recent, today=today)
