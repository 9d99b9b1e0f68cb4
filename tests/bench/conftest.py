"""Benchmarks of DESIGN.md "Budgets": demo data x100, figures printed, budgets asserted.

`make bench` runs `pytest tests/bench -m bench`. A plain `pytest` (`make test`) deselects every
benchmark here, so the suite stays fast; `-m bench` (or any -m naming bench) selects them.
"""

import time
from pathlib import Path

import pytest
from sqlalchemy import event, select

from app import create_app
from app import demo as demo_data
from app.auth.models import User
from app.extensions import db

BENCH_DIR = Path(__file__).resolve().parent
ROOT_CONFTEST = BENCH_DIR.parent / "conftest.py"
SCALE = 100

# --- make test must not run the benchmarks -----------------------------------------------------

def _bench_selected(config) -> bool:
    return "bench" in (config.getoption("-m") or "")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test under tests/bench is a benchmark: marked `bench`, and deselected (not skipped)
    unless the run asked for it with -m."""
    ours = [item for item in items if BENCH_DIR in Path(str(item.path)).resolve().parents]
    for item in ours:
        if item.get_closest_marker("bench") is None:
            item.add_marker(pytest.mark.bench)
    if _bench_selected(config):
        return  # -m decides (`-m bench` keeps them, `-m "not bench"` drops them)
    if ours:
        keep = set(map(id, ours))
        items[:] = [item for item in items if id(item) not in keep]
        config.hook.pytest_deselected(items=ours)


# --- report ------------------------------------------------------------------------------------

class Report:
    """Figures of the run, printed as tables at the end of the run (pytest_terminal_summary,
    so they are not mixed with pytest's progress), then a PASS/FAIL line per budget."""

    def __init__(self):
        self.sections: dict[str, list[str]] = {}
        self.verdicts: list[tuple[str, str, bool]] = []

    def line(self, section: str, text: str = "") -> None:
        self.sections.setdefault(section, []).append(text)

    def verdict(self, budget: str, figure: str, ok: bool) -> bool:
        self.verdicts.append((budget, figure, ok))
        return ok


REPORT = Report()


@pytest.fixture(scope="session")
def bench_report() -> Report:
    return REPORT


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not REPORT.sections:
        return
    write = terminalreporter.write_line
    terminalreporter.section("Fieldbook budgets (DESIGN.md), demo data x100", sep="=")
    for section, lines in REPORT.sections.items():
        write("")
        write(f"## {section}")
        for text in lines:
            write(text)
    if REPORT.verdicts:
        write("")
        passed = sum(ok for _, _, ok in REPORT.verdicts)
        write(f"## Verdicts: {passed} pass, {len(REPORT.verdicts) - passed} fail")
        width = max(len(budget) for budget, _, _ in REPORT.verdicts)
        for budget, figure, ok in REPORT.verdicts:
            write(f"{'PASS' if ok else 'FAIL'}  {budget:<{width}}  {figure}")


# --- data --------------------------------------------------------------------------------------

def root_conftest(config):
    """tests/conftest.py as pytest loaded it (its helpers: _config, _empty_tables, sign_in)."""
    for plugin in config.pluginmanager.get_plugins():
        path = getattr(plugin, "__file__", None)
        if path and Path(path).resolve() == ROOT_CONFTEST:
            return plugin
    raise RuntimeError("tests/conftest.py is not loaded")


@pytest.fixture(scope="session")
def fixtures(request):
    return root_conftest(request.config)


@pytest.fixture(scope="session")
def bench_app(fixtures, database_url, tmp_path_factory):
    """The app of tests/conftest.py with demo data x100 seeded once for the run (with 200,000
    incidents of history: a minute on SQLite, three on PostgreSQL)."""
    app = create_app(fixtures._config(database_url, tmp_path_factory.mktemp("bench-uploads")))
    started = time.perf_counter()
    with app.app_context():
        fixtures._empty_tables()
        demo_data.seed(scale=SCALE)
        db.session.commit()
        app.extensions["bench_seed_seconds"] = time.perf_counter() - started
    yield app
    with app.app_context():
        db.session.rollback()
        fixtures._empty_tables()
        db.engine.dispose()


@pytest.fixture(scope="module")
def clients(bench_app, fixtures):
    """A signed-in test client for each user the budgets are measured as."""
    signed_in = {}
    with bench_app.app_context():
        users = {u.username: u for u in db.session.scalars(
            select(User).where(User.username.in_(("admin", "supervisor"))))}
    for name in ("admin", "supervisor"):
        client = bench_app.test_client()
        fixtures.sign_in(bench_app, client, users[name])
        signed_in[name] = client
    return signed_in


class QueryCounter:
    """Counts the SQL statements sent through the engine (transaction control left out)."""

    CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []
        self.control = 0

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(self.CONTROL):
            self.control += 1
        else:
            self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture(scope="module")
def count_queries(bench_app):
    """count_queries(client, url, headers) -> (response, QueryCounter) for one request."""
    with bench_app.app_context():
        engine = db.engine

    def _count(client, url, headers=None):
        with QueryCounter(engine) as counter:
            response = client.get(url, headers=headers or {})
        return response, counter

    return _count
