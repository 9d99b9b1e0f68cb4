"""Stocktake through the test client: a count started (whole store, chosen bins, categories,
items; a cycle count proposed by class or by the age of bins' last counts), lines counted a
request at a time (typed, +1 per scan, a bin counted empty, an item found where it was not
expected), blind or not; the review with its filters, a recount by another person, the
approval with its adjustments and accuracy; bad input on each form; who may do what."""


import pytest
from sqlalchemy import func, select

from app.actions.models import Action
from app.extensions import db
from app.stock.models import CountLine, Movement, StockBalance, StockCount
from tests.conftest import make_user, sign_in
from tests.views.test_stock import _form, _post


@pytest.fixture
def boss(app, site):
    return make_user(app, username="sam", name="Sam Supervisor", roles=("supervisor",),
                     sites=[site])


def _start(client, stocked, **fields) -> int:
    response = _post(client, f"/stock/stores/{stocked['store_id']}/counts/new",
                     **{"scope": "store", "blind": "y", "tolerance_quantity": "0", **fields})
    assert response.status_code == 303, response.text
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_a_count_is_started_counted_reviewed_and_approved(app, client, site, keeper, boss,
                                                         stocked):
    sign_in(app, client, keeper)
    count_id = _start(client, stocked)
    page = client.get(f"/stock/counts/{count_id}").text
    assert "SC-" in page and "A-01" in page
    assert "stocktakes being counted" in client.get("/").text
    screen = f"/stock/counts/{count_id}/count"
    assert "expected 5" not in client.get(f"{screen}?bin=A-01").text  # blind
    saved = _post(client, screen, htmx=True, bin="a-01", item=stocked["sku"], quantity="4")
    assert saved.status_code == 200 and "Counted: ITEM-TST 4 pcs in bin A-01." in saved.text
    assert 'hx-swap-oob="afterbegin:#saved-lines"' in saved.text
    assert 'value="A-01"' in saved.text  # the next line in the same bin
    for _ in range(2):  # two scans of one more
        _post(client, screen, htmx=True, bin="A-01", item=stocked["sku"], quantity="1",
              add="y")
    with app.app_context():
        line = db.session.scalar(select(CountLine).filter_by(count_id=count_id))
        assert (line.counted, line.book) == (6, 5)
    empty = client.post(f"/stock/counts/{count_id}/bins/{stocked['second_bin_id']}/empty",
                        data=_form(client, screen))
    assert empty.status_code == 303

    sign_in(app, client, boss)
    review = client.get(f"/stock/counts/{count_id}/review").text
    assert "ITEM-TST" in review and "+1" in review
    assert "ITEM-TST" in client.get(f"/stock/counts/{count_id}/review?show=over").text
    assert "ITEM-TST" not in client.get(f"/stock/counts/{count_id}/review?show=moved").text
    approve = f"/stock/counts/{count_id}/approve"
    refused = client.post(approve, data={"csrf_token": _form(client, f"/stock/counts/"
                                                                     f"{count_id}")[
        "csrf_token"]})
    assert refused.status_code == 422  # what happens to uncounted lines is chosen
    done = client.post(approve, data={**_form(client, f"/stock/counts/{count_id}"),
                                      "uncounted": "leave", "raise_action": "y"})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).text
    assert "Approved" in page and "1 adjustment posted" in page
    with app.app_context():
        adjustment = db.session.scalar(select(Movement).filter_by(kind="adjustment"))
        count = db.session.get(StockCount, count_id)
        assert adjustment.quantity == 1 and adjustment.reference == count.reference
        assert db.session.get(StockBalance, (stocked["item_id"], stocked["bin_id"])
                              ).quantity == 6
        assert count.accuracy == 0.0  # one line counted, over a tolerance of 0
        assert db.session.scalar(select(Action).filter_by(source_type="stockcount")
                                 ).source_id == count_id
    listing = client.get(f"/stock/counts/?store={stocked['store_id']}").text
    assert "Inventory record accuracy" in listing and "<svg" in listing
    assert client.get(f"/stock/counts/{count_id}/count").status_code == 303  # closed


def test_counting_refuses_bad_lines_plainly(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    count_id = _start(client, stocked, scope="bins", bins="A-01")
    screen = f"/stock/counts/{count_id}/count"
    for fields, message in (
            ({"bin": "A-02", "item": stocked["sku"], "quantity": "1"},
             "Bin A-02 is not in this count."),
            ({"bin": "Z-99", "item": stocked["sku"], "quantity": "1"},
             "Bin Z-99 is not in this count."),
            ({"bin": "A-01", "item": "NOPE", "quantity": "1"}, "No item has the code NOPE."),
            ({"bin": "A-01", "item": stocked["sku"], "quantity": "-1"}, "0 or more"),
            ({"bin": "A-01", "item": stocked["sku"], "quantity": "1e9"}, "0 or more"),
            ({"bin": "A-01", "item": stocked["sku"], "quantity": "abc"}, "Enter a number.")):
        response = _post(client, screen, htmx=True, **fields)
        assert response.status_code == 422 and message in response.text, fields
        assert f'value="{fields["item"]}"' in response.text  # kept
    zero = _post(client, screen, htmx=True, bin="A-01", item=stocked["sku"], quantity="0")
    assert zero.status_code == 200  # none found is a count


def test_a_new_count_refuses_what_it_cannot_count(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    url = f"/stock/stores/{stocked['store_id']}/counts/new"
    for fields, message in (({"scope": "bins", "bins": ""}, "Name the bins to count."),
                            ({"scope": "bins", "bins": "A-01 Q-7"}, "No bin Q-7"),
                            ({"scope": "items", "items": "NOPE-1"}, "No item NOPE-1."),
                            ({"scope": "categories"}, "Choose at least one category."),
                            ({"scope": "store", "tolerance_quantity": "-2"}, "0 or more")):
        response = _post(client, url, **fields)
        assert response.status_code == 422 and message in response.text, fields


def test_an_open_count_shows_the_expected_quantities(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    count_id = _start(client, stocked, blind="")
    page = client.get(f"/stock/counts/{count_id}/count?bin=A-01").text
    assert "expected 5" in page


def test_a_recount_goes_to_another_person(app, client, site, keeper, boss, stocked):
    other = make_user(app, username="ola", name="Ola Other", roles=("storekeeper",),
                      sites=[site])
    sign_in(app, client, keeper)
    count_id = _start(client, stocked)
    _post(client, f"/stock/counts/{count_id}/count", htmx=True, bin="A-01",
          item=stocked["sku"], quantity="2")
    with app.app_context():
        line_id = db.session.scalar(select(CountLine.id).filter_by(count_id=count_id))
    sign_in(app, client, boss)
    review = f"/stock/counts/{count_id}/review"
    nobody = client.post(f"/stock/counts/{count_id}/recount",
                         data={**_form(client, review), "lines": str(line_id)})
    assert nobody.status_code == 422
    same = client.post(f"/stock/counts/{count_id}/recount", data={
        **_form(client, review), "lines": str(line_id), "recounter": str(keeper.id)})
    assert same.status_code == 422 and "another person" in same.text
    sent = client.post(f"/stock/counts/{count_id}/recount", data={
        **_form(client, review), "lines": str(line_id), "recounter": str(other.id)})
    assert sent.status_code == 303
    blocked = client.post(f"/stock/counts/{count_id}/approve", data={
        **_form(client, f"/stock/counts/{count_id}"), "uncounted": "leave"})
    assert blocked.status_code == 422 and "waits for its recount" in blocked.text
    sign_in(app, client, other)
    _post(client, f"/stock/counts/{count_id}/count", htmx=True, bin="A-01",
          item=stocked["sku"], quantity="5")
    sign_in(app, client, boss)
    page = client.get(review).text
    assert "first count 2" in page


def test_cycle_counts_are_proposed_by_age_and_by_class(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    url = f"/stock/stores/{stocked['store_id']}/counts/new"
    by_age = client.get(f"{url}?propose=age&days=30").text
    assert "A-01\nA-02" in by_age and "Bins not counted for 30 days" in by_age
    by_class = client.get(f"{url}?propose=class").text
    assert stocked["sku"] in by_class and "1 A, 0 B, 0 C" in by_class
    count_id = _start(client, stocked, scope="items", items=stocked["sku"])
    with app.app_context():
        assert db.session.scalar(select(func.count(CountLine.id)).filter_by(
            count_id=count_id)) == 1


def test_who_may_count_and_approve(app, client, site, keeper, stocked):
    technician = make_user(app, username="tess", roles=("technician",), sites=[site])
    sign_in(app, client, keeper)
    count_id = _start(client, stocked)
    assert client.get(f"/stock/counts/{count_id}/review").status_code == 403
    assert client.post(f"/stock/counts/{count_id}/approve").status_code in (400, 403)
    sign_in(app, client, technician)
    assert client.get(f"/stock/counts/{count_id}").status_code == 403
    assert client.get("/stock/counts/").status_code == 403
