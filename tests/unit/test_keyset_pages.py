"""Keyset pages (core.pagination.keyset_page): first, middle and last pages, ties on the sort
key, rows added or removed between two page loads, filters, cursors that do not parse, the
capped count; and the index each long list's main query is read through (SQLite's plan)."""

from datetime import datetime

import pytest
from sqlalchemy import delete, insert, select

from app.core import pagination
from app.core.models import Notification
from app.core.notifications import NOTIFICATION_ORDER
from app.core.pagination import keyset_page
from app.extensions import db
from tests.conftest import make_user

NOON = datetime(2026, 11, 30, 12, 0)


@pytest.fixture
def inbox(app, site):
    """A user with notifications 1..9; 4, 5 and 6 share one moment (a tie on the sort key)."""
    user = make_user(app, username="reader", sites=[site])
    with app.app_context():
        moments = [NOON.replace(minute=m) for m in (1, 2, 3, 4, 4, 4, 7, 8, 9)]
        db.session.execute(insert(Notification), [
            {"user_id": user.id, "kind": f"k{n}", "link": "", "params": {}, "created_at": at}
            for n, at in enumerate(moments, start=1)])
        db.session.commit()
    return user


def _page(app, user, query: str = "", per_page: int = 3, **filters):
    """The kinds on one page of the user's notifications (newest first), and the page."""
    with app.test_request_context(f"/notifications?{query}"):
        statement = select(Notification).where(Notification.user_id == user.id)
        if "kind_in" in filters:
            statement = statement.where(Notification.kind.in_(filters["kind_in"]))
        page = keyset_page(statement, *NOTIFICATION_ORDER, per_page=per_page)
        return [n.kind for n in page.items], page


def test_first_middle_and_last_pages_then_back(app, inbox):
    first, page1 = _page(app, inbox)
    assert first == ["k9", "k8", "k7"] and page1.newer is None and page1.older
    middle, page2 = _page(app, inbox, f"older={page1.older}")
    assert middle == ["k6", "k5", "k4"]  # the tie is broken by id, newest first
    last, page3 = _page(app, inbox, f"older={page2.older}")
    assert last == ["k3", "k2", "k1"] and page3.older is None and page3.newer
    back, page_back = _page(app, inbox, f"newer={page3.newer}")
    assert back == ["k6", "k5", "k4"] and page_back.older and page_back.newer
    top, page_top = _page(app, inbox, f"newer={page_back.newer}")
    assert top == ["k9", "k8", "k7"] and page_top.newer is None


def test_ties_never_repeat_or_skip_a_row(app, inbox):
    seen, query = [], ""
    while True:
        kinds, page = _page(app, inbox, query, per_page=2)
        seen += kinds
        if not page.older:
            break
        query = f"older={page.older}"
    assert seen == [f"k{n}" for n in range(9, 0, -1)]


def test_rows_added_or_removed_between_two_loads(app, inbox):
    _first, page1 = _page(app, inbox)
    with app.app_context():  # a new notification arrives, and k7 (the cursor's row) goes
        db.session.execute(insert(Notification), [{
            "user_id": inbox.id, "kind": "k10", "link": "", "params": {},
            "created_at": NOON.replace(minute=10)}])
        db.session.execute(delete(Notification).where(Notification.kind == "k7"))
        db.session.commit()
    second, _page2 = _page(app, inbox, f"older={page1.older}")
    assert second == ["k6", "k5", "k4"]  # neither k10 nor a repeat of k8


def test_filters_combine_with_the_cursor(app, inbox):
    odd = [f"k{n}" for n in (1, 3, 5, 7, 9)]
    first, page1 = _page(app, inbox, per_page=2, kind_in=odd)
    second, page2 = _page(app, inbox, f"older={page1.older}", per_page=2, kind_in=odd)
    third, page3 = _page(app, inbox, f"older={page2.older}", per_page=2, kind_in=odd)
    assert (first, second, third) == (["k9", "k7"], ["k5", "k3"], ["k1"])
    assert page1.count == 5 and not page1.capped and page3.older is None


@pytest.mark.parametrize("cursor", [
    "older=garbage", "older=2026-13-45T00:00:00~1", "older=2026-11-30T12:00:00",
    "newer=2026-11-30T12:00:00~99999999999999999999999", "older=%00~1",
    "newer=2099-01-01T00:00:00~1",  # past the newest row: the first page
])
def test_a_cursor_that_names_no_row_gives_the_first_page(app, inbox, cursor):
    kinds, page = _page(app, inbox, cursor)
    assert kinds == ["k9", "k8", "k7"] and page.newer is None


def test_past_the_oldest_row_gives_the_first_page(app, inbox):
    kinds, _page_ = _page(app, inbox, "older=2000-01-01T00:00:00~1")
    assert kinds == ["k9", "k8", "k7"]


def test_the_count_is_capped(app, inbox, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    with app.test_request_context("/"):
        page = keyset_page(select(Notification), *NOTIFICATION_ORDER, per_page=3)
        assert (page.count, page.capped) == (5, True)


def test_an_order_runs_one_way():
    with pytest.raises(ValueError):
        pagination.Order.of(Notification.created_at.desc(), Notification.id.asc())


# --- the plan of each long list ------------------------------------------------------------------

def _plan(statement) -> str:
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(db.text(explain + str(compiled))).all()
    return " | ".join(row[-1] for row in rows)


def _sorts(plan: str, dialect: str) -> bool:
    if dialect == "sqlite":
        return "TEMP B-TREE FOR ORDER BY" in plan
    return any(step.strip().lstrip("-> ").startswith(("Sort ", "Incremental Sort"))
               for step in plan.split(" | "))


def test_each_long_list_reads_its_order_from_an_index(app, site, monkeypatch):
    """With a few thousand incidents and the planner's statistics (ANALYZE), the first page of
    each list is read through the index of its order: no sort of every matching row. On
    PostgreSQL (which may rightly sort a few thousand rows) with sorting priced out: an index
    must serve the order."""
    from app.actions.queries import ACTION_ORDER, action_list
    from app.auth.models import User
    from app.core import search
    from app.core.queries import AUDIT_ORDER, audit_query
    from app.demo_volume import seed_volume
    from app.incidents.queries import (
        INCIDENT_ORDER,
        REQUEST_ORDER,
        incident_list,
        incident_order,
        request_list,
    )
    from app.sites.models import Site

    other = make_site_pair(app, site)
    for username, roles in (("supervisor", ("supervisor",)), ("technician", ("technician",)),
                            ("staff", ("staff",)), ("inspector", ("inspector",))):
        make_user(app, username=username, roles=roles, sites=[site, other])
    with app.app_context():
        dialect = db.engine.dialect.name
        people = {u.username: u for u in db.session.scalars(select(User))}
        seed_volume([db.session.get(Site, site.id), db.session.get(Site, other.id)], people,
                    3000)
        db.session.execute(db.text("ANALYZE"))
        if dialect == "postgresql":
            db.session.execute(db.text("SET LOCAL enable_sort = off"))
        supervisor = people["supervisor"]
        # Many matches among 3,000, and a Chinese word PostgreSQL underestimates (as
        # independent characters): still read in the list's order, no sort.
        monkeypatch.setattr(search, "FEW", 50)
        searched_order, _key_of = incident_order("设备故障")
        lists = {
            "searched incidents": (incident_list(supervisor, search="设备故障"), searched_order,
                                   "ix_incident_created" if dialect == "postgresql"
                                   else "fts_incident"),
            "incidents": (incident_list(supervisor), INCIDENT_ORDER, "ix_incident_created"),
            "open incidents": (incident_list(supervisor, status="open"), INCIDENT_ORDER,
                               "ix_incident_created"),
            "requests": (request_list(supervisor), REQUEST_ORDER, "ix_service_request_created"),
            "actions": (action_list(supervisor), ACTION_ORDER, "ix_action_due"),
            "audit": (audit_query({"entity": "", "action": "", "actor": "", "since": None,
                                   "until": None}), AUDIT_ORDER, "ix_audit_event_at"),
        }
        for name, (statement, order, index) in lists.items():
            plan = _plan(statement.order_by(None).order_by(*order).limit(26))
            assert index in plan and not _sorts(plan, dialect), (name, plan)


def make_site_pair(app, site):
    from tests.conftest import make_site

    return make_site(app, name="Second Site", code="SEC")
