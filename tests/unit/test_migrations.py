"""The schema comes from migrations only; the models must say the same thing."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.core.search import include_name
from app.extensions import db

# Some tests read the schema or the database through connections of their own.
pytestmark = pytest.mark.committed


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_name": include_name})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_sqlite_connection_settings(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 2  # FULL
            assert pragma("busy_timeout") >= 5000


EXTRA_REVISION = """
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{head}"


def upgrade():
    with op.batch_alter_table("site") as batch:
        batch.alter_column("address", type_=sa.String(301))


def downgrade():
    with op.batch_alter_table("site") as batch:
        batch.alter_column("address", type_=sa.String(300))
"""


def test_a_table_rebuild_keeps_the_rows_that_refer_to_it(app, site, tmp_path):
    """SQLite batch migrations drop and re-create a table: no cascade may follow (env.py)."""
    import shutil

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import func, select

    from app.sites.models import Area, Location

    source = Path(__file__).resolve().parents[2] / "migrations"
    directory = tmp_path / "migrations"
    shutil.copytree(source, directory, ignore=shutil.ignore_patterns("__pycache__"))
    head = sorted(p.name.split("_")[0] for p in (directory / "versions").glob("0*.py"))[-1]
    (directory / "versions" / "9999_rebuild_site.py").write_text(
        EXTRA_REVISION.replace("{head}", head))
    with app.app_context():
        before = (db.session.scalar(select(func.count(Area.id))),
                  db.session.scalar(select(func.count(Location.id))))
        db.session.remove()
        upgrade(directory=str(directory), revision="9999")
        downgrade(directory=str(directory), revision=head)
        after = (db.session.scalar(select(func.count(Area.id))),
                 db.session.scalar(select(func.count(Location.id))))
        if db.engine.dialect.name == "sqlite":  # the pool's connections keep foreign keys on
            assert db.session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert before == after == (1, 1)


def test_every_audited_model_names_its_entity(app):
    """Audit, timeline and attachment rows name a record kind; it is written on the model
    (renaming a class must not orphan rows), and it is the name rows already carry."""
    from app.extensions import db

    named = {mapper.class_.__entity__: mapper.class_.__name__
             for mapper in db.Model.registry.mappers if hasattr(mapper.class_, "__entity__")}
    assert {"user", "site", "area", "location", "incident", "incidenttype", "servicerequest",
            "action", "slapolicy", "businesshours"} <= set(named)
    for entity, class_name in named.items():
        assert entity == class_name.lower()  # the names stored before they were explicit


def test_rows_named_after_the_proxy_become_users(tmp_path):
    """Migration 0008: audit rows written for current_user said "localproxy"."""
    import sqlite3

    from flask_migrate import upgrade

    from app import create_app
    from tests.conftest import _config

    path = tmp_path / "m.sqlite"
    app = create_app(_config(f"sqlite:///{path}", tmp_path / "uploads"))
    with app.app_context():
        upgrade(revision="0007")
        db.engine.dispose()
        with sqlite3.connect(path) as connection:
            connection.execute(
                "INSERT INTO audit_event (at, action, entity_type, entity_id, summary) "
                "VALUES ('2026-11-30 10:00:00', 'change_password', 'localproxy', 1, 'ana')")
        upgrade()
        db.engine.dispose()
    with sqlite3.connect(path) as connection:
        kinds = [row[0] for row in connection.execute("SELECT entity_type FROM audit_event")]
    assert kinds == ["user"]
