"""attempts counted in the database: failed sign-ins, public forms (across workers)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=254), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt'))
    )
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.create_index('ix_attempt_scope_key_at', ['scope', 'key', 'at'], unique=False)
        batch_op.create_index('ix_attempt_at', ['at'], unique=False)


def downgrade():
    op.drop_table('attempt')
