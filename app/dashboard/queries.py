"""Reads for the home screen."""

from sqlalchemy import func, or_, select

from app.core.models import AuditEvent


def recent_activity(user, limit: int = 8):
    """The latest changes at the user's sites (administrators: everywhere), newest first."""
    statement = select(AuditEvent).where(AuditEvent.action != "sign_in")
    if user.is_admin:
        pass
    elif user.has_role("supervisor"):
        statement = statement.where(or_(AuditEvent.site_id.in_(user.site_ids),
                                        AuditEvent.actor_id == user.id))
    else:
        # Others see their own changes only: a site's log names records (incidents, actions)
        # they may not open.
        statement = statement.where(AuditEvent.actor_id == user.id)
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)


def my_work(user, today):
    """Counts for the home screen, in one query: my open and overdue actions, incidents
    assigned to me, and open incidents I can see."""
    from app.actions.models import OPEN_STATUSES as OPEN_ACTIONS
    from app.actions.models import Action
    from app.incidents import queries as incident_queries
    from app.incidents.models import OPEN_STATUSES as OPEN_INCIDENTS
    from app.incidents.models import Incident

    def count(statement):
        return statement.with_only_columns(func.count()).scalar_subquery()

    mine = select(Action.id).where(Action.owner_id == user.id, Action.status.in_(OPEN_ACTIONS))
    open_incidents = incident_queries.visible(
        select(Incident.id).where(Incident.status.in_(OPEN_INCIDENTS)), user)
    return select(
        count(mine).label("actions"),
        count(mine.where(Action.due_date < today)).label("overdue_actions"),
        count(select(Incident.id).where(Incident.assignee_id == user.id,
                                        Incident.status.in_(OPEN_INCIDENTS))).label("assigned"),
        count(open_incidents).label("open_incidents"),
    )
