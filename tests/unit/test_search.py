"""Full-text search (core.search) through the database's index, on SQLite and PostgreSQL:
references, English words (and their beginnings), two- and four-character Chinese words; the
index follows creates, edits and deletes in the same transaction."""

from datetime import datetime

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.core import search
from app.extensions import db
from app.incidents import services
from app.incidents.models import Incident, IncidentType
from app.incidents.queries import incident_list
from app.sites.models import Site
from tests.conftest import make_user


@pytest.fixture
def reporter(app, site):
    make_user(app, username="sup", roles=("supervisor",), sites=[site])
    with app.test_request_context():
        yield db.session.scalar(select(User).filter_by(username="sup"))


def _report(site_id, by, description):
    return services.report(
        site=db.session.get(Site, site_id), severity="low", description=description,
        incident_type=db.session.scalar(select(IncidentType).filter_by(code="other")),
        occurred_at=datetime(2026, 11, 20, 8, 30), by=by)


def _found(user, query) -> list[str]:
    return [i.description for i in db.session.scalars(incident_list(user, search=query))]


def test_words_hold_each_chinese_character_apart():
    assert search.words("B1层漏水, Leaking pipe!") == ["b1", "层", "漏", "水", "leaking", "pipe"]
    assert search.document("INC-2026-000123") == "inc 2026 000123"


def test_finds_references_words_and_chinese_words(reporter, site):
    leak = _report(site.id, reporter, "Water leaking under the sink in washroom 3")
    chinese = _report(site.id, reporter, "地下室水管漏水，设备故障")
    apart = _report(site.id, reporter, "水泵房的门漏了一个缝")  # 漏 and 水, never side by side
    db.session.flush()
    assert _found(reporter, leak.reference) == [leak.description]
    assert _found(reporter, leak.reference.lower()) == [leak.description]
    assert _found(reporter, "leak") == [leak.description]  # the beginning of "leaking"
    assert _found(reporter, "SINK washroom") == [leak.description]  # every word, any order
    assert _found(reporter, "漏水") == [chinese.description]
    assert _found(reporter, "设备故障") == [chinese.description]
    assert apart.description not in _found(reporter, "漏水")
    assert _found(reporter, "%") == [] and _found(reporter, "gearbox") == []


def test_the_index_follows_edits_and_deletes(reporter, site):
    incident = _report(site.id, reporter, "Broken window in the lobby")
    db.session.flush()
    incident.description = "Cracked glass door in the lobby"
    db.session.flush()
    assert _found(reporter, "window") == []
    assert _found(reporter, "glass") == [incident.description]
    services.change_status(incident, "resolved", note="Replaced the hinge", by=reporter)
    db.session.flush()
    assert _found(reporter, "hinge") == [incident.description]  # the resolution is searched
    db.session.delete(incident)
    db.session.flush()
    assert _found(reporter, "glass") == []
    assert db.session.scalar(select(Incident.id)) is None


def test_search_stays_inside_the_users_sites(app, reporter, site):
    from tests.conftest import make_site

    other = make_site(app, name="Elsewhere", code="ELS")
    outsider = make_user(app, username="far", roles=("supervisor",), sites=[other])
    _report(site.id, reporter, "Leaking valve in plant room")
    db.session.flush()
    assert _found(db.session.get(User, outsider.id), "valve") == []


def test_requests_and_actions_are_searched_too(reporter, site):
    from app.actions import services as action_services
    from app.actions.queries import action_list
    from app.incidents import customer_requests
    from app.incidents.queries import request_list

    request_, _token = customer_requests.submit_request(
        site=db.session.get(Site, site.id), kind="complaint", channel="web",
        description="空调漏水 in room 12", contact_name="Mei")
    action = action_services.raise_action(
        None, site_id=site.id, title="Replace the leaking condensate pump", owner=reporter,
        due_date=datetime(2026, 12, 20).date(), by=reporter)
    db.session.flush()
    found = lambda statement: [row.id for row in db.session.scalars(statement)]  # noqa: E731
    assert found(request_list(reporter, search="漏水")) == [request_.id]
    assert found(request_list(reporter, search=request_.reference)) == [request_.id]
    assert found(request_list(reporter, search="mei")) == [request_.id]
    assert found(action_list(reporter, search="leak pump")) == [action.id]
    assert found(action_list(reporter, search=action.reference)) == [action.id]
    assert found(action_list(reporter, search="漏水")) == []


def test_many_matches_find_and_count_the_same(reporter, site, monkeypatch):
    """PostgreSQL reads a search with many matches row by row in the list's order (and counts
    it as a semi-join): the same records, and the same count, as the joined search of few."""
    from flask import g

    from app.core.pagination import capped_count

    for n in range(6):
        _report(site.id, reporter, f"Leaking tap number {n} 地下室漏水")
    _report(site.id, reporter, "Broken chair")
    db.session.flush()
    queries = ("leak", "漏水", "tap 漏水", "chair", "gearbox")
    joined = {q: (_found(reporter, q), capped_count(incident_list(reporter, search=q)))
              for q in queries}
    monkeypatch.setattr(search, "FEW", 0)
    g.pop("few_matches", None)
    walked = {q: (_found(reporter, q), capped_count(incident_list(reporter, search=q)))
              for q in queries}
    assert walked == joined and joined["leak"][1] == 6 and joined["gearbox"] == ([], 0)
