"""Read-side queries of the shared mechanisms: attachments, the audit log."""

from datetime import timedelta

from sqlalchemy import select

from app.core.models import Attachment, AuditEvent


def attachment_by_public_id(public_id):
    return select(Attachment).where(Attachment.public_id == public_id)


def audit_query(filters: dict):
    from app.auth.models import User

    statement = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
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


def audit_entity_types():
    return select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)


def audit_actions():
    return select(AuditEvent.action).distinct().order_by(AuditEvent.action)
