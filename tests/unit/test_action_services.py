"""The corrective-action services called directly: the loop from raised to verified."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.actions import services
from app.auth.models import User
from app.core.domain import DomainError
from app.core.models import Notification
from app.extensions import db
from tests.conftest import make_user


@pytest.fixture
def people(app, site):
    make_user(app, username="sup", roles=("supervisor",), sites=[site])
    make_user(app, username="owner", roles=("technician",), sites=[site])
    with app.test_request_context():
        yield {name: db.session.scalar(select(User).filter_by(username=name))
               for name in ("sup", "owner")}


def _raise(site, people):
    return services.raise_action(None, site_id=site.id, title="  Fit a drip tray ",
                                 owner=people["owner"], due_date=date.today() + timedelta(7),
                                 by=people["sup"])


def _told(kind) -> list[int]:
    return list(db.session.scalars(select(Notification.user_id).filter_by(kind=kind)))


def test_raise_numbers_it_and_tells_the_owner(people, site):
    action = _raise(site, people)
    assert action.reference.startswith("ACT-") and action.title == "Fit a drip tray"
    assert (action.status, action.source_type) == ("open", "none")  # raised on its own
    assert _told("action_assigned") == [people["owner"].id]


def test_the_loop_refuses_steps_out_of_order(people, site):
    action = _raise(site, people)
    with pytest.raises(DomainError):
        services.verify(action, effective=True, note="", by=people["sup"])
    services.start(action, by=people["owner"])
    with pytest.raises(DomainError):
        services.start(action, by=people["owner"])
    with pytest.raises(DomainError):
        services.complete(action, note="  ", by=people["owner"])
    services.complete(action, note="Tray fitted", by=people["owner"])
    assert action.status == "done" and action.done_at is not None
    with pytest.raises(DomainError):  # not effective needs the reason
        services.verify(action, effective=False, note="", by=people["sup"])
    services.verify(action, effective=False, note="Still dripping", by=people["sup"])
    assert (action.status, action.reopen_count, action.done_at) == ("open", 1, None)
    assert _told("action_reopened") == [people["owner"].id]
    services.complete(action, note="Second tray", by=people["owner"])
    services.verify(action, effective=True, note="Dry for a week", by=people["sup"])
    assert action.status == "verified" and action.verified_by_id == people["sup"].id


def test_a_new_owner_is_told(people, site, app):
    action = _raise(site, people)
    services.update(action, title=action.title, description="", owner=people["sup"],
                    due_date=action.due_date, priority=action.priority, by=people["owner"])
    assert _told("action_assigned") == [people["owner"].id, people["sup"].id]
