"""the full-text index of incidents (core.search): FTS5 on SQLite, tsvector + GIN on PostgreSQL,
English words by their stem

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 11:30:00

Filled from the incidents already recorded, with the same words the application indexes.
"""
from alembic import op
from sqlalchemy import text

from app.core.search import document

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        # The words are kept parsed (a stored tsvector), so a row is checked without parsing.
        op.execute("CREATE TABLE fts_incident (id INTEGER PRIMARY KEY "
                   "REFERENCES incident (id) ON DELETE CASCADE, body TEXT NOT NULL, "
                   "words tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED)")
        op.execute("CREATE INDEX ix_fts_incident_words ON fts_incident USING gin (words)")
    else:
        # unicode61 splits on spaces and punctuation; core.search writes each Chinese
        # character as a word of its own. (A contentless table would save the stored copy,
        # but deleting from one needs SQLite 3.43; Debian 12 has 3.40.)
        op.execute("CREATE VIRTUAL TABLE fts_incident USING fts5(body, "
                   "tokenize='porter unicode61 remove_diacritics 2')")
    rows = connection.execute(text(
        "SELECT id, reference, description, category, resolution, root_cause FROM incident"))
    batch = [{"id": row[0], "body": document(*(part or "" for part in row[1:]))}
             for row in rows]
    if batch:
        key = "id" if postgres else "rowid"
        connection.execute(text(f"INSERT INTO fts_incident ({key}, body) "  # noqa: S608
                                "VALUES (:id, :body)"), batch)


def downgrade():
    op.execute("DROP TABLE fts_incident")
