"""indexes that serve each long list's order (keyset pages), and planner statistics

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:00:00

Each list is read newest first (actions: soonest due first) a page at a time; an index on the
order lets the database read one page without sorting every matching row. ANALYZE gives the
planner the row counts it needs to prefer that index over a site's (SQLite has none until
ANALYZE runs; `core.db` keeps them fresh with PRAGMA optimize).
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_incident_created", "incident", ["created_at", "id"])
    op.create_index("ix_service_request_created", "service_request", ["created_at", "id"])
    op.create_index("ix_action_due", "action", ["due_date", "id"])
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.create_index("ix_audit_event_at", "audit_event", ["at", "id"])
    op.create_index("ix_notification_user_created", "notification",
                    ["user_id", "created_at", "id"])
    # What the home page counts ("my open actions", "assigned to me") by person and status.
    op.drop_index("ix_action_owner_id", table_name="action")
    op.create_index("ix_action_owner_status", "action", ["owner_id", "status"])
    op.drop_index("ix_incident_assignee_id", table_name="incident")
    op.create_index("ix_incident_assignee_status", "incident", ["assignee_id", "status"])
    op.execute("ANALYZE")


def downgrade():
    op.drop_index("ix_incident_assignee_status", table_name="incident")
    op.create_index("ix_incident_assignee_id", "incident", ["assignee_id"])
    op.drop_index("ix_action_owner_status", table_name="action")
    op.create_index("ix_action_owner_id", "action", ["owner_id"])
    op.drop_index("ix_notification_user_created", table_name="notification")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.drop_index("ix_action_due", table_name="action")
    op.drop_index("ix_service_request_created", table_name="service_request")
    op.drop_index("ix_incident_created", table_name="incident")
