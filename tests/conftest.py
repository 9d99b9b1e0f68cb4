"""Fixtures (DESIGN.md "Tests"): a migrated database, `app`, `client`, `login_as(role)`, factories.

The schema is made once per run by Alembic (never by create_all); each test then starts from
empty tables. TEST_DATABASE_URL selects PostgreSQL; the default is an SQLite file.
"""

import os
import re
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app import create_app
from app.auth import services as auth_services
from app.config import TestConfig
from app.extensions import db
from app.sites import services as site_services

PASSWORD = "correct-horse-battery"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'fieldbook-test.sqlite'}"
    app = create_app(_config(url, tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        upgrade()
        _remember_reference_data()
        db.engine.dispose()
    return url


# Rows the migrations insert (built-in incident types): put back after each test's wipe.
REFERENCE_TABLES = ("incident_type",)
_reference_rows: dict[str, list[dict]] = {}


def _remember_reference_data() -> None:
    for name in REFERENCE_TABLES:
        table = db.metadata.tables[name]
        _reference_rows[name] = [dict(row._mapping) for row in db.session.execute(table.select())]


def _config(url: str, upload_dir) -> dict:
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(upload_dir),
                  SQLALCHEMY_ENGINE_OPTIONS={})
    return config


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    for name, rows in _reference_rows.items():
        if rows:
            db.session.execute(db.metadata.tables[name].insert(), rows)
            if db.engine.dialect.name == "postgresql":  # ids were given: move the sequence on
                sql = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"  # noqa: E501, S608 (names from code)
                db.session.execute(text(sql))
    db.session.commit()


class _SharedBytecode(BytecodeCache):
    """Compiled templates shared by every test's app: each test builds a new app (a new
    Jinja environment), and compiling the templates again took a third of the suite's time."""

    def __init__(self):
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.codes:
            bucket.bytecode_from_string(self.codes[bucket.key])

    def dump_bytecode(self, bucket):
        self.codes[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _SharedBytecode()


def _new_app(database_url: str, upload_dir):
    app = create_app(_config(database_url, upload_dir))
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


@pytest.fixture(scope="session")
def shared_app(database_url, tmp_path_factory):
    """One app for the whole run: building one (its URL map above all) took 40 ms a test."""
    return _new_app(database_url, tmp_path_factory.mktemp("uploads"))


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks an engine per table and ignores a session's `bind`;
    in a test it must use the test's connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind or self.bind or super().get_bind(mapper, clause, bind, **kwargs)


def _commits_for_real(request) -> bool:
    """Browser tests, threads and other apps read through connections of their own: they need
    real commits, then empty tables. Every other test runs inside one transaction."""
    node = request.node
    return any(node.get_closest_marker(name) for name in ("browser", "committed", "fresh_app"))


# The session the factories' records live in for the running test (see `live`).
_LIVE: dict = {}


def live(model, ident):
    """The record `model` #`ident`, read now, in the test's own session: usable for the whole
    test, its relationships included, outside any app context (factories return these)."""
    session = _LIVE["session"]
    record = session.get(model, ident, populate_existing=True)  # as it is now
    session.commit()  # no read transaction left open for DDL or TRUNCATE to wait on
    return record


@contextmanager
def _live_records(bind):
    """`rollback_only`: the test session only reads; it never ends the test's transaction."""
    _LIVE["session"] = Session(bind=bind, join_transaction_mode="rollback_only",
                               expire_on_commit=False)
    try:
        yield
    finally:
        _LIVE.pop("session").close()  # before the tables are emptied (PostgreSQL's TRUNCATE
        # waits for every open transaction that read them)


@pytest.fixture(scope="session")
def reader_engine(database_url):
    """Committed tests read their records through an engine of plain reads: none of them
    takes SQLite's write lock (the app's engine begins every transaction outside a request
    with BEGIN IMMEDIATE), so the live server's writers never wait for the test."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield engine
    engine.dispose()


@contextmanager
def _transaction_rolled_back_at_the_end(app):
    """Every session of the test joins one outer transaction on one connection; the app's
    commits and rollbacks become SAVEPOINTs inside it (SQLite and PostgreSQL alike)."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
    factory = db.session.session_factory
    original = factory.class_, dict(factory.kw)
    factory.class_ = _BoundSession
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        with _live_records(connection):
            yield
    finally:
        factory.class_, factory.kw = original
        outer.rollback()
        connection.close()


@pytest.fixture
def app(request, shared_app, database_url, reader_engine, tmp_path):
    """The app of a test, over empty tables, with its own upload folder. Its settings may be
    changed by the test: they are put back after it. A test that adds request hooks (Flask
    refuses them once an app has served) asks for a new app with @pytest.mark.fresh_app."""
    fresh = request.node.get_closest_marker("fresh_app") is not None
    app = _new_app(database_url, tmp_path / "uploads") if fresh else shared_app
    settings = dict(app.config)
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    if _commits_for_real(request):
        with _live_records(reader_engine):
            yield app
        with app.app_context():
            db.session.rollback()
            _empty_tables()
            if fresh:
                db.engine.dispose()
    else:
        with _transaction_rolled_back_at_the_end(app):
            yield app
    app.config.clear()
    app.config.update(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def site(app):
    return make_site(app)


def make_site(app, name="Test Site", code="TST", timezone="Asia/Shanghai", areas=("Lobby",)):
    """A site with areas and one location in each area (L1, L2, ...)."""
    with app.app_context():
        found = db.session.scalar(db.select(site_services.Site.id).filter_by(code=code))
        if found:
            return live(site_services.Site, found)
        site = site_services.create_site(name=name, code=code, timezone=timezone)
        for number, area_name in enumerate(areas, start=1):
            area = site_services.create_area(site, name=area_name, by=None)
            site_services.create_location(site, area=area, name=f"{area_name} point",
                                          code=f"L{number}", by=None)
        db.session.commit()
        return live(site_services.Site, site.id)


def make_user(app, username="user1", roles=("staff",), sites=(), password=PASSWORD, **kw):
    with app.app_context():
        site_rows = [db.session.get(site_services.Site, s.id) for s in sites]
        user = auth_services.create_user(username=username, name=kw.pop("name", username.title()),
                                         password=password, roles=roles, sites=site_rows, **kw)
        db.session.commit()
        return live(auth_services.User, user.id)


def sign_in(app, client, user, remember=False) -> str:
    """Start a server-side session for `user` and put its cookie in `client` (no form, no KDF)."""
    with app.app_context():
        user = db.session.get(auth_services.User, user.id)
        token = auth_services.start_session(user, remember=remember)
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return token


@pytest.fixture
def login_as(app, client, site):
    """login_as("supervisor") -> the signed-in User (assigned to `site` unless sites= is given)."""
    counter = iter(range(1, 1000))

    def _login(*roles, sites=None, **kw):
        roles = roles or ("staff",)
        username = kw.pop("username", f"{roles[0]}{next(counter)}")
        user = make_user(app, username=username, roles=roles,
                         sites=[site] if sites is None else sites, **kw)
        sign_in(app, client, user)
        return user

    return _login


def csrf_from(html: str) -> str:
    """The CSRF token of a page: its forms' hidden field, or the header htmx sends."""
    from tests.helpers import hidden_fields

    token = hidden_fields(html, "csrf_token").get("csrf_token")
    if token is None and (match := re.search(r'"X-CSRFToken": "([^"]+)"', html)):
        token = match.group(1)
    assert token, "no CSRF token in the page"
    return token


@pytest.fixture
def csrf(client):
    """A valid CSRF token for the client's current session."""

    def _token(url="/login"):
        return csrf_from(client.get(url).get_data(as_text=True))

    return _token
