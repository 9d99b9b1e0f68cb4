"""the backlog of a category's assets from the index of unfinished work alone (asset_id
added to ix_work_order_unfinished: no row read for the asset of each)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 09:29:49.369687

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


UNFINISHED = sa.text("status IN ('requested', 'open', 'in_progress', 'on_hold')")
COLUMNS = ["site_id", "status", "due_on", "created_at", "plan_id"]


def _index(columns):
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_index('ix_work_order_unfinished')
        batch_op.create_index('ix_work_order_unfinished', columns, unique=False,
                              sqlite_where=UNFINISHED, postgresql_where=UNFINISHED)


def upgrade():
    _index([*COLUMNS, "asset_id"])


def downgrade():
    _index(COLUMNS)
