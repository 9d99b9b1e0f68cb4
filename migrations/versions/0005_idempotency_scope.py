"""idempotency keys unique per scope (owner digested into it), visitors included

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:30:00

The old constraint (user_id, endpoint, key) let visitors' keys collide never (user_id NULL).
The owner is now part of the scope string. Stored answers under the old scope can never match
again, so they are removed (they are replay records kept for a week, not data).
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM idempotency_key")
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.drop_constraint('uq_idempotency_key_scope', type_='unique')
        batch_op.create_unique_constraint('uq_idempotency_key_scope', ['endpoint', 'key'])


def downgrade():
    op.execute("DELETE FROM idempotency_key")
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.drop_constraint('uq_idempotency_key_scope', type_='unique')
        batch_op.create_unique_constraint('uq_idempotency_key_scope',
                                          ['user_id', 'endpoint', 'key'])
