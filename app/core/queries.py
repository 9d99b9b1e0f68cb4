"""Read-side queries of the shared mechanisms: attachments, the audit log."""

from datetime import timedelta

from sqlalchemy import select

from app.core.models import Attachment, AuditEvent


def attachment_by_public_id(public_id):
    return select(Attachment).where(Attachment.public_id == public_id)


AUDIT_ORDER = (AuditEvent.at.desc(), AuditEvent.id.desc())


def audit_query(filters: dict):
    from app.auth.models import User

    statement = select(AuditEvent).order_by(*AUDIT_ORDER)
    if filters["entity"]:
        statement = statement.where(AuditEvent.entity_type == filters["entity"])
    if filters["action"]:
        statement = statement.where(AuditEvent.action == filters["action"])
    if filters["actor"]:
        statement = statement.where(AuditEvent.actor_id.in_(
            select(User.id).where(User.username.ilike(f"%{filters['actor']}%"))))
    if filters["since"]:
        statement = statement.where(AuditEvent.at >= filters["since"])
    if filters["until"]:
        statement = statement.where(AuditEvent.at < filters["until"] + timedelta(days=1))
    return statement
