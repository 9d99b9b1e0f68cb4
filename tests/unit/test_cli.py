"""flask seed-demo, create-admin, backup, purge, maintenance-generate."""

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.maintenance import preventive
from app.maintenance.models import MaintenancePlan, MaintenanceRollup, WorkOrder
from app.sites.models import Location, Site
from tests.conftest import make_user
from tests.helpers import make_plan


def run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def test_seed_demo_prints_sign_ins_and_runs_only_on_empty(app):
    result = run(app, "seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "admin" in result.output and "fieldbook-demo" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Site.id))) == 2
        assert db.session.scalar(select(func.count(Location.id))) >= 20
        roles = set(db.session.scalars(select(User.roles)))
        assert roles == {"admin", "supervisor", "inspector", "technician", "storekeeper", "staff"}
    again = run(app, "seed-demo", "--if-empty")
    assert "already has data" in again.output
    assert "staff" in again.output and "fieldbook-demo" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Site.id))) == 2


def test_sign_in_lines_name_the_port_make_run_serves_on(app, monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    result = run(app, "seed-demo", "--if-empty")
    assert "Sign in at http://127.0.0.1:8123 as:" in result.output
    again = run(app, "seed-demo", "--if-empty")
    assert "http://127.0.0.1:8123" in again.output


def test_create_admin(app):
    result = run(app, "create-admin", "--username", "root2", "--name", "Root",
                 input="granite-sky-42\ngranite-sky-42\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User).filter_by(username="root2")).is_admin
    weak = run(app, "create-admin", "--username", "root3", "--name", "R",
               input="123456\n123456\n")
    assert weak.exit_code != 0 and "at least 8" in weak.output


@pytest.mark.committed  # other connections read what it writes
def test_backup_makes_a_consistent_copy(app, tmp_path):
    run(app, "seed-demo")
    target = tmp_path / "copy.sqlite"
    result = run(app, "backup", str(target))
    with app.app_context():
        is_sqlite = db.engine.dialect.name == "sqlite"
    if not is_sqlite:
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM site").fetchone()[0] == 2
    assert run(app, "backup", str(target)).exit_code != 0  # never overwrites


def test_purge_removes_expired_sessions_and_old_keys(app):
    from datetime import timedelta

    from app.auth.models import LoginSession
    from app.core.models import IdempotencyKey, utcnow
    from tests.conftest import make_user, sign_in

    user = make_user(app, username="ana")
    sign_in(app, app.test_client(), user)
    sign_in(app, app.test_client(), user)
    with app.app_context():
        db.session.scalars(select(LoginSession)).first().expires_at = utcnow() - timedelta(1)
        db.session.add(IdempotencyKey(user_id=user.id, key="old", endpoint="x", status=303,
                                      created_at=utcnow() - timedelta(days=8)))
        db.session.add(IdempotencyKey(user_id=user.id, key="new", endpoint="x", status=303))
        db.session.commit()
    result = run(app, "purge")
    assert "Removed 1 expired sessions, 1 idempotency keys and 0 files" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginSession.id))) == 1
        assert db.session.scalar(select(IdempotencyKey.key)) == "new"


def test_volume_history_continues_the_references(app, site):
    """seed-demo --scale N inserts years of incidents directly: the next report's reference
    follows the last one, and every incident has its timeline."""
    from datetime import datetime

    from app.core.models import TimelineEvent
    from app.demo_volume import seed_volume
    from app.incidents import services
    from app.incidents.models import Incident, IncidentType
    from tests.conftest import make_user

    for name, roles in (("staff", ("staff",)), ("technician", ("technician",)),
                        ("supervisor", ("supervisor",))):
        make_user(app, username=name, roles=roles, sites=[site])
    with app.test_request_context():
        people = {u.username: u for u in db.session.scalars(select(User))}
        assert seed_volume([db.session.get(Site, site.id)], people, 120) == 120
        incidents = db.session.scalar(select(func.count(Incident.id)))
        events = db.session.scalar(select(func.count(TimelineEvent.id)).where(
            TimelineEvent.entity_type == "incident"))
        newest = db.session.scalar(select(Incident.reference).order_by(Incident.id.desc()))
        report = services.report(
            site=db.session.get(Site, site.id), severity="low", description="After",
            incident_type=db.session.scalar(select(IncidentType).filter_by(code="other")),
            occurred_at=datetime(2026, 11, 30, 8), by=people["staff"])
    assert incidents == 120 and events >= 120
    year, number = newest.split("-")[1:]
    if report.reference.split("-")[1] == year:
        assert int(report.reference.split("-")[2]) == int(number) + 1


def test_maintenance_generate_opens_due_work_once(app, site):
    boss = make_user(app, username="sue", roles=("supervisor",), sites=[site])
    plan_id = make_plan(app, site, boss)["plan_id"]
    with app.app_context():  # fallen due since: the daily run opens it
        plan = db.session.get(MaintenancePlan, plan_id)
        plan.starts_on = preventive.site_today(plan.site) - timedelta(days=1)
        preventive.refresh(plan)
        db.session.commit()
    assert "1 preventive work orders opened." in run(app, "maintenance-generate").output
    assert "0 preventive work orders opened." in run(app, "maintenance-generate").output
    with app.app_context():
        assert db.session.scalar(select(func.count(WorkOrder.id)).where(
            WorkOrder.plan_id == plan_id)) == 1
        # and the figures' days that ended are counted, for the first reader of the day
        counted = db.session.scalar(select(MaintenanceRollup.built_until).where(
            MaintenanceRollup.site_id == site.id))
        assert counted == preventive.site_today(db.session.get(Site, site.id)) - timedelta(
            days=1)
