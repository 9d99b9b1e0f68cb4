"""Command-line tasks: flask seed-demo, create-admin, backup."""

import os
import sqlite3
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.extensions import db


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
@click.option("--scale", default=1, show_default=True,
              help="Multiply the demo data: N copies of the sites, and past N > 1 "
                   "N x 2,000 incidents of history at the two demo sites, with their "
                   "timelines, requests and actions (benchmarks use 100).")
def seed_demo(if_empty: bool, scale: int) -> None:
    """Load realistic demo data: two sites, areas, locations, one user per role."""
    from app.auth.models import User
    from app.demo import DEMO_USERNAMES, seed

    if if_empty and db.session.scalar(select(func.count(User.id))):
        demo_users = db.session.scalars(
            select(User).where(User.username.in_(DEMO_USERNAMES)).order_by(User.id)).all()
        click.echo("Database already has data: demo data not loaded again.")
        if demo_users:
            _print_sign_ins(demo_users, f"Demo sign-ins at {_served_at()} (unless their "
                                        "passwords were changed):")
        return
    users = seed(scale=scale)
    db.session.commit()
    _print_sign_ins(users, f"Demo data loaded. Sign in at {_served_at()} as:")


def _served_at() -> str:
    """Where `make run` serves (its HOST and PORT)."""
    host = os.environ.get("HOST", "127.0.0.1")
    if host == "0.0.0.0":  # noqa: S104 (every interface: this machine answers on 127.0.0.1 too)
        host = "127.0.0.1"
    return f"http://{host}:{os.environ.get('PORT', '5000')}"


def _print_sign_ins(users, heading: str) -> None:
    from app.demo import DEMO_PASSWORD

    click.echo(heading)
    for user in users:
        click.echo(f"  {user.username:<12} / {DEMO_PASSWORD}   ({user.roles})")


@click.command("create-admin")
@with_appcontext
@click.option("--username", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin(username: str, name: str, password: str) -> None:
    """Create an administrator (for a new installation without demo data)."""
    from app.auth import services

    try:
        services.create_user(username=username, name=name, password=password, roles=["admin"])
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Administrator {username} created.")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup(path: str) -> None:
    """Write a consistent copy of the SQLite database to PATH (online: the app may keep running)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "This database is PostgreSQL: back it up with pg_dump "
            "(for example: pg_dump --format=custom --file=fieldbook.dump \"$DATABASE_URL\").")
    source_path = url.database
    if not source_path or source_path == ":memory:":
        raise click.ClickException("An in-memory database cannot be backed up.")
    target = Path(path)
    if target.exists():
        raise click.ClickException(f"{target} exists already; choose a new file name.")
    source = sqlite3.connect(source_path)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)  # SQLite's online backup API: a consistent snapshot
    finally:
        destination.close()
        source.close()
    uploads = current_app.config["UPLOAD_DIR"]
    click.echo(f"Database copied to {target}. Photos are files: copy {uploads} as well.")


@click.command("purge")
@with_appcontext
@click.option("--days", default=7, show_default=True, help="Keep idempotency keys this long.")
def purge(days: int) -> None:
    """Remove expired sign-in sessions, old idempotency keys and files no record points to
    (run daily, e.g. from cron)."""
    from datetime import timedelta

    from sqlalchemy import delete

    from app.auth.models import LoginSession
    from app.core import throttle
    from app.core.attachments import pending, sweep
    from app.core.models import IdempotencyKey, utcnow

    sessions = db.session.execute(delete(LoginSession).where(
        LoginSession.expires_at < utcnow())).rowcount
    keys = db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.created_at < utcnow() - timedelta(days=days))).rowcount
    throttle.purge()
    pending.purge()
    db.session.commit()
    files = sweep()
    click.echo(f"Removed {sessions} expired sessions, {keys} idempotency keys and {files} "
               "files without a record.")


@click.command("sla-check")
@with_appcontext
def sla_check() -> None:
    """Tell supervisors about SLA clocks that ran out (run every few minutes, e.g. cron)."""
    from app.core import mail
    from app.incidents.service_levels import check_breaches

    breached = check_breaches()
    db.session.commit()
    mail.send_queued(background=False)
    click.echo(f"{breached} SLA breaches reported.")


@click.command("rounds-check")
@with_appcontext
def rounds_check() -> None:
    """Tell supervisors about scheduled rounds that were missed (run every few minutes, e.g.
    cron); a second run tells nothing again."""
    from app.core import mail
    from app.rounds.services import tell_missed

    missed = tell_missed()
    db.session.commit()
    mail.send_queued(background=False)
    click.echo(f"{missed} missed rounds reported.")


@click.command("maintenance-generate")
@with_appcontext
def maintenance_generate() -> None:
    """Open the work orders of preventive maintenance plans that are due, by the calendar (each
    site's own "today") or by a meter's last reading (run daily or hourly, e.g. cron). Run
    twice, or from two machines at once, it opens nothing twice. Then each site's days that
    ended are counted for the maintenance figures (their daily rollup), so that the first
    reader of the day does not wait for it."""
    from app.maintenance import rollup
    from app.maintenance.preventive import generate_due
    from app.sites.models import Site

    opened = generate_due()
    db.session.commit()
    click.echo(f"{opened} preventive work orders opened.")
    for site in db.session.scalars(db.select(Site).order_by(Site.id)).all():
        rollup.count_days(site)
        db.session.commit()


def init_app(app: Flask) -> None:
    for command in (seed_demo, create_admin, backup, purge, sla_check, rounds_check,
                    maintenance_generate):
        app.cli.add_command(command)
