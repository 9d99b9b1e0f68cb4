"""failed sign-ins counted in the database (per account and per address, across workers)

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
    op.create_table('sign_in_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure'))
    )
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failure_account_at', ['account', 'at'], unique=False)
        batch_op.create_index('ix_sign_in_failure_address_at', ['address', 'at'], unique=False)


def downgrade():
    op.drop_table('sign_in_failure')
