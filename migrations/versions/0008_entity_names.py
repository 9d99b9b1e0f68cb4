"""audit and timeline rows written for `current_user` named its proxy ("localproxy"): they
are users

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:20:00

Entity kinds are now named on each model (`__entity__`); before, the class name was used, and
`type(current_user)` is werkzeug's LocalProxy.
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    for table in ("audit_event", "timeline_event", "attachment"):
        op.execute(f"UPDATE {table} SET entity_type = 'user' "  # noqa: S608 (names from code)
                   "WHERE entity_type = 'localproxy'")


def downgrade():
    pass  # the old name was a mistake: nothing to go back to
