"""photos of a refused form kept for its next try

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 08:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_key', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachment_pending_key'), ['pending_key'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_pending_key'))
        batch_op.drop_column('pending_key')
