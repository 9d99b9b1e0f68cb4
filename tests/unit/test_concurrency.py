"""Concurrent writers wait for each other instead of failing ("database is locked")."""

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.sites.models import Area
from tests.conftest import csrf_from, make_user, sign_in


@pytest.mark.committed  # other connections read what it writes
def test_concurrent_writers_all_succeed(app, site):
    user = make_user(app, username="boss", roles=("admin",))
    statuses: list[int] = []

    def writer(number: int):
        client = app.test_client()
        sign_in(app, client, user)
        token = csrf_from(client.get("/profile").text)
        for index in range(10):
            response = client.post(f"/sites/{site.id}/areas", data={
                "csrf_token": token, "name": f"Area {number}-{index}"})
            statuses.append(response.status_code)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 40
    with app.app_context():
        assert db.session.scalar(select(func.count(Area.id)).where(Area.name.like("Area %"))) == 40
