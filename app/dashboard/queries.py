"""Reads for the home screen."""

from sqlalchemy import or_, select

from app.core.models import AuditEvent


def recent_activity(user, limit: int = 8):
    """The latest changes at the user's sites (administrators: everywhere), newest first."""
    statement = select(AuditEvent).where(AuditEvent.action != "sign_in")
    if not user.is_admin:
        statement = statement.where(or_(AuditEvent.site_id.in_(user.site_ids),
                                        AuditEvent.actor_id == user.id))
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
