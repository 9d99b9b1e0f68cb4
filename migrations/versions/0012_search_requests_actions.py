"""the full-text index of customer requests and actions (core.search), as 0010 for incidents

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 11:50:00
"""
from alembic import op
from sqlalchemy import text

from app.core.search import document

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# index table -> (record table, the columns searched: the fields the application registers)
INDEXES = {
    "fts_service_request": ("service_request", ("reference", "description", "where_text",
                                                "contact_name", "public_note")),
    "fts_action": ("action", ("reference", "title", "description", "source_reference",
                              "verification_note")),
}


def upgrade():
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    for index, (table, columns) in INDEXES.items():
        if postgres:
            op.execute(f"CREATE TABLE {index} (id INTEGER PRIMARY KEY "
                       f"REFERENCES {table} (id) ON DELETE CASCADE, body TEXT NOT NULL, "
                       "words tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) "
                       "STORED)")
            op.execute(f"CREATE INDEX ix_{index}_words ON {index} USING gin (words)")
        else:
            op.execute(f"CREATE VIRTUAL TABLE {index} USING fts5(body, "
                       "tokenize='porter unicode61 remove_diacritics 2')")
        rows = connection.execute(text(
            f"SELECT id, {', '.join(columns)} FROM {table}"))  # noqa: S608 (names from code)
        batch = [{"id": row[0], "body": document(*(part or "" for part in row[1:]))}
                 for row in rows]
        if batch:
            key = "id" if postgres else "rowid"
            connection.execute(text(f"INSERT INTO {index} ({key}, body) "  # noqa: S608
                                    "VALUES (:id, :body)"), batch)


def downgrade():
    for index in INDEXES:
        op.execute(f"DROP TABLE {index}")
