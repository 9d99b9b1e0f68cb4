"""downtime spans read from their index alone: ended_at added to ix_downtime_asset_started

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 01:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('downtime', schema=None) as batch_op:
        batch_op.drop_index('ix_downtime_asset_started')
        batch_op.create_index('ix_downtime_asset_started', ['asset_id', 'started_at', 'ended_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('downtime', schema=None) as batch_op:
        batch_op.drop_index('ix_downtime_asset_started')
        batch_op.create_index('ix_downtime_asset_started', ['asset_id', 'started_at'],
                              unique=False)
