"""the index the figures' questions that fail most are counted from

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspection_answer', schema=None) as batch_op:
        batch_op.create_index('ix_inspection_answer_failures',
                              ['inspection_id', 'question_key', 'failed'], unique=False)


def downgrade():
    with op.batch_alter_table('inspection_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_inspection_answer_failures')
