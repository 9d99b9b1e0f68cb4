"""Buying stock through the test client: a store's reorder list with suggested quantities, a
purchase request made of it, approved or rejected by a supervisor, received against line by
line until it is received; bad input; who may do what."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.stock import purchasing
from app.stock.models import Movement, PurchaseRequest, StockItem
from tests.conftest import make_user, sign_in
from tests.helpers import hidden_fields, make_stock


@pytest.mark.parametrize("point,lot,on_hand,suggested", [
    ("10", "20", "5", "20"),  # 6 short: one lot of 20
    ("10", "4", "5", "8"),  # 6 short: two lots of 4
    ("10", None, "5", "6"),  # no lot: back to one above the point
    ("10", None, "-3", "14"),  # below zero, where a store allows it
    ("0", None, "0", "1"),
])
def test_the_suggested_order_quantity(point, lot, on_hand, suggested):
    item = StockItem(sku="X", name="X", reorder_point=Decimal(point),
                     reorder_quantity=Decimal(lot) if lot else None)
    assert purchasing.suggested_quantity(item, Decimal(on_hand)) == Decimal(suggested)


@pytest.fixture
def people(app, site):
    return {"keeper": make_user(app, username="kim", name="Kim Keeper",
                                roles=("storekeeper",), sites=[site]),
            "boss": make_user(app, username="sue", name="Sue Visor", roles=("supervisor",),
                              sites=[site])}


@pytest.fixture
def low(app, site, people):
    """5 bearings in the store, reorder at 2 (none short); then 4 of them issued: 1 left."""
    records = make_stock(app, site, people["keeper"], on_hand=5)
    with app.test_request_context():
        from app.stock import services
        from app.stock.models import StockBin

        item = db.session.get(StockItem, records["item_id"])
        item.reorder_quantity = Decimal("10")
        services.issue(item, db.session.get(StockBin, records["bin_id"]), Decimal("4"),
                       cost_centre="CC", by=None)
        db.session.commit()
    return records


def _reorder(client, low, **fields):
    url = f"/stock/stores/{low['store_id']}/reorder"
    page = client.get(url).text
    data = {**hidden_fields(page, "csrf_token", "idempotency_key", "lines-0-item_id"),
            "lines-0-pick": "y", "lines-0-quantity": "10", "reason": "Pump overhauls",
            **fields}
    return client.post(url, data=data)


def test_a_storekeeper_asks_to_buy_what_is_short_and_receives_it(app, client, people, low):
    sign_in(app, client, people["keeper"])
    page = client.get(f"/stock/stores/{low['store_id']}/reorder").text
    assert "ITEM-TST" in page and 'value="10"' in page  # 1 on hand, point 2, lots of 10
    no_reason = _reorder(client, low, reason="")
    assert no_reason.status_code == 422 and 'value="10"' in no_reason.text
    bad = _reorder(client, low, **{"lines-0-quantity": "abc"})
    assert bad.status_code == 422
    nothing = _reorder(client, low, **{"lines-0-pick": ""})
    assert nothing.status_code == 422
    assert "Choose at least one item, with how many to buy." in nothing.text
    unknown = _reorder(client, low, extra_item="NOPE", extra_quantity="2")
    assert unknown.status_code == 422 and "No item has the code NOPE." in unknown.text
    made = _reorder(client, low)
    assert made.status_code == 303
    purchase_url = made.headers["Location"]
    page = client.get(purchase_url).text
    assert "Waiting for approval" in page and "Pump overhauls" in page
    assert "Approve" not in page  # a storekeeper does not approve
    with app.app_context():
        purchase = db.session.scalar(select(PurchaseRequest))
        purchase_id, reference = purchase.id, purchase.reference
    receive_url = f"/stock/stores/{low['store_id']}/receive"
    early = client.get(f"{receive_url}?purchase={purchase_id}").text
    assert "Against" not in early  # not approved yet: an ordinary receipt

    sign_in(app, client, people["boss"])
    page = client.get(purchase_url).text
    token = hidden_fields(page, "csrf_token")
    reject = client.post(f"/stock/purchases/{purchase_id}/decide",
                         data={**token, "decision": "reject", "note": ""})
    assert reject.status_code == 422 and "Say why it is rejected." in reject.text
    approved = client.post(f"/stock/purchases/{purchase_id}/decide",
                           data={**token, "decision": "approve", "note": "OK"})
    assert approved.status_code == 303

    sign_in(app, client, people["keeper"])
    screen = client.get(f"{receive_url}?purchase={purchase_id}").text
    assert f"Against {reference}" in screen and "10 pcs to come" in screen
    keys = hidden_fields(screen, "csrf_token", "idempotency_key", "purchase")
    other = client.post(receive_url, data={**keys, "bin": "A-01", "item": "OTHER-1",
                                           "quantity": "1"})
    assert other.status_code == 422
    first = client.post(receive_url, data={**keys, "bin": "A-01", "item": "ITEM-TST",
                                           "quantity": "6", "supplier": "ACME"})
    assert first.status_code == 303
    screen = client.get(f"{receive_url}?purchase={purchase_id}").text
    keys = hidden_fields(screen, "csrf_token", "idempotency_key", "purchase")
    assert "4 pcs to come" in screen
    second = client.post(receive_url, data={**keys, "bin": "A-02", "item": "ITEM-TST",
                                            "quantity": "4"})
    assert second.status_code == 303
    with app.app_context():
        assert db.session.get(PurchaseRequest, purchase_id).status == "received"
        receipts = db.session.scalars(select(Movement).where(
            Movement.purchase_line_id.is_not(None))).all()
        assert [(m.reference, int(m.quantity)) for m in receipts] == [(reference, 6),
                                                                     (reference, 4)]
    assert "Received" in client.get(purchase_url).text
    assert reference in client.get("/stock/purchases/?status=received").text


def test_a_request_is_cancelled_only_before_anything_comes_in(app, client, people, low):
    sign_in(app, client, people["keeper"])
    made = _reorder(client, low)
    with app.app_context():
        purchase_id = db.session.scalar(select(PurchaseRequest.id))
    token = hidden_fields(client.get(made.headers["Location"]).text, "csrf_token")
    done = client.post(f"/stock/purchases/{purchase_id}/cancel", data=token,
                       follow_redirects=True)
    assert "cancelled." in done.text
    again = client.post(f"/stock/purchases/{purchase_id}/cancel", data=token,
                        follow_redirects=True)
    assert "Only a purchase request with nothing received yet can be cancelled." in again.text


def test_who_may_buy_and_approve(app, client, site, people, low):
    technician = make_user(app, username="tech", roles=("technician",), sites=[site])
    sign_in(app, client, technician)
    assert client.get(f"/stock/stores/{low['store_id']}/reorder").status_code == 403
    assert client.get("/stock/purchases/").status_code == 403
    sign_in(app, client, people["keeper"])
    _reorder(client, low)
    with app.app_context():
        purchase_id = db.session.scalar(select(PurchaseRequest.id))
    token = hidden_fields(client.get(f"/stock/purchases/{purchase_id}").text, "csrf_token")
    refused = client.post(f"/stock/purchases/{purchase_id}/decide",
                          data={**token, "decision": "approve"})
    assert refused.status_code == 403
