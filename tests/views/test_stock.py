"""Stock through the test client: items added, found and edited; stores and bins; the
screens that receive, issue, return, move and adjust stock (with htmx a line at a time, and
without JavaScript), bad input on each, a code nobody knew attached to an item, and what
each role may do."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.core.models import Attachment
from app.extensions import db
from app.stock.models import ItemBarcode, Movement, StockBalance, StockBin, StockItem, Store
from tests.conftest import make_site, make_user, sign_in
from tests.helpers import hidden_fields, image_bytes, make_stock, make_work_order

HTMX = {"HX-Request": "true", "HX-Target": "move_form"}


def _form(client, url: str) -> dict:
    return hidden_fields(client.get(url).text, "csrf_token", "idempotency_key")


def _post(client, url: str, htmx=False, **fields):
    return client.post(url, data={**_form(client, url), **fields},
                       headers=HTMX if htmx else None)


def _on_hand(app, item_id, bin_code) -> Decimal:
    with app.app_context():
        return db.session.scalar(select(StockBalance.quantity).join(StockBin).where(
            StockBalance.item_id == item_id, StockBin.code == bin_code)) or Decimal("0")


def test_a_storekeeper_adds_an_item_and_finds_it_in_both_languages(app, client, keeper):
    sign_in(app, client, keeper)
    response = _post(client, "/stock/items/new", sku="brg-6204", name="Bearing 6204",
                     name_zh="深沟球轴承", category="Bearings", unit="pcs", unit_cost="12.5",
                     reorder_point="4", reorder_quantity="20", barcodes="6901234567892\n",
                     active="y")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "BRG-6204" in page and "6901234567892" in page
    for query in ("bearing", "轴承", "brg"):
        assert "BRG-6204" in client.get(f"/stock/?q={query}").text, query
    assert "BRG-6204" in client.get("/stock/?low=1").text  # none on hand, reorder at 4
    assert "BRG-6204" not in client.get("/stock/?category=Filters").text
    again = _post(client, "/stock/items/new", sku="BRG-6204", name="Copy", unit="pcs")
    assert again.status_code == 422 and "Another item already has this SKU." in again.text
    taken = _post(client, "/stock/items/new", sku="BRG-9", name="Other", unit="pcs",
                  barcodes="6901234567892")
    assert taken.status_code == 422 and "already finds another item" in taken.text
    assert 'value="BRG-9"' in taken.text  # what was typed is kept


def test_an_item_is_edited_and_its_history_shows(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    url = f"/stock/items/{stocked['item_id']}/edit"
    page = client.get(url).text
    assert "Bearing 6204" in page
    response = client.post(url, data={**hidden_fields(page, "csrf_token"), "sku": "ITEM-TST",
                                      "name": "Bearing 6204-2RS", "unit": "pcs",
                                      "unit_cost": "14", "active": "y"})
    assert response.status_code == 303
    page = client.get(f"/stock/items/{stocked['item_id']}").text
    assert "Bearing 6204-2RS" in page and "A-01" in page and "Received" in page
    assert "14.00" in page


def test_stores_and_bins_are_added(app, client, site, keeper):
    sign_in(app, client, keeper)
    response = _post(client, f"/stock/stores/new?site={site.id}", code="ms", name="Main")
    assert response.status_code == 303
    store_url = response.headers["Location"]
    bins = _post(client, store_url.replace("http://localhost", "") + "/bins",
                 codes="a-01\na-02\na-03", name="Rack A")
    assert bins.status_code == 303
    page = client.get(store_url).text
    assert all(code in page for code in ("A-01", "A-02", "A-03"))
    again = _post(client, store_url.replace("http://localhost", "") + "/bins", codes="A-02")
    assert again.status_code == 422 and "already has bin A-02" in again.text
    bad = _post(client, store_url.replace("http://localhost", "") + "/bins", codes="A 02!")
    assert bad.status_code == 422 and "A 02!" in bad.text
    duplicate = _post(client, f"/stock/stores/new?site={site.id}", code="MS", name="Again")
    assert duplicate.status_code == 422


def test_receiving_a_line_at_a_time_with_htmx(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    url = f"/stock/stores/{stocked['store_id']}/receive"
    response = _post(client, url, htmx=True, bin="a-02", item="ITEM-TST", quantity="3",
                     supplier="ACME", reference="DN-88", unit_cost="")
    assert response.status_code == 200
    assert 'hx-swap-oob="afterbegin:#saved-lines"' in response.text
    assert "+3" in response.text and 'value="A-02"' in response.text.replace("a-02", "A-02")
    assert len(response.data) < 8_000  # a fragment, not the page
    assert _on_hand(app, stocked["item_id"], "A-02") == 3
    # without JavaScript: the same line, then back to the screen with the bin kept
    plain = _post(client, url, bin="A-02", item="ITEM-TST", quantity="1")
    assert plain.status_code == 303 and "bin=A-02" in plain.headers["Location"]
    assert _on_hand(app, stocked["item_id"], "A-02") == 4
    assert "+1" in client.get(plain.headers["Location"]).text  # the saved lines


def test_a_retried_line_is_saved_once(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    url = f"/stock/stores/{stocked['store_id']}/receive"
    data = {**_form(client, url), "bin": "A-01", "item": "ITEM-TST", "quantity": "2"}
    first = client.post(url, data=data, headers=HTMX)
    second = client.post(url, data=data, headers=HTMX)  # the phone sent it again
    assert first.status_code == second.status_code == 200
    assert _on_hand(app, stocked["item_id"], "A-01") == 7


def test_issuing_to_a_work_order_a_person_or_a_cost_centre(app, client, site, keeper,
                                                          stocked):
    sign_in(app, client, keeper)
    work = make_work_order(app, site, keeper)
    with app.app_context():
        from app.maintenance.models import WorkOrder

        reference = db.session.get(WorkOrder, work["work_order_id"]).reference
    url = f"/stock/stores/{stocked['store_id']}/issue"
    nobody = _post(client, url, bin="A-01", item="ITEM-TST", quantity="1")
    assert nobody.status_code == 422 and "Say who or what it is issued to" in nobody.text
    unknown = _post(client, url, bin="A-01", item="ITEM-TST", quantity="1",
                    work_order="WO-1999-000001")
    assert unknown.status_code == 422 and "No work order WO-1999-000001" in unknown.text
    issued = _post(client, url, bin="A-01", item="ITEM-TST", quantity="2",
                   work_order=reference.lower())
    assert issued.status_code == 303
    too_many = _post(client, url, bin="A-01", item="ITEM-TST", quantity="4",
                     cost_centre="CC-1")
    assert too_many.status_code == 422
    assert "Only 3 pcs of ITEM-TST in bin A-01." in too_many.text
    assert 'value="4"' in too_many.text
    back = _post(client, f"/stock/stores/{stocked['store_id']}/return", bin="A-01",
                 item="ITEM-TST", quantity="1", work_order=reference)
    assert back.status_code == 303
    with app.app_context():
        kinds = db.session.execute(select(Movement.kind, Movement.quantity).where(
            Movement.work_order_id == work["work_order_id"]).order_by(Movement.id)).all()
    assert [(kind, int(quantity)) for kind, quantity in kinds] == [("issue", -2),
                                                                   ("return", 1)]
    assert _on_hand(app, stocked["item_id"], "A-01") == 4


def test_moving_stock_between_bins_and_stores(app, client, site, keeper, stocked):
    sign_in(app, client, keeper)
    url = f"/stock/stores/{stocked['store_id']}/transfer"
    same = _post(client, url, bin="A-01", item="ITEM-TST", quantity="1",
                 to_store=str(stocked["store_id"]), to_bin="A-01")
    assert same.status_code == 422 and "Choose another bin" in same.text
    moved = _post(client, url, htmx=True, bin="A-01", item="ITEM-TST", quantity="2",
                  to_store=str(stocked["store_id"]), to_bin="a-02")
    assert moved.status_code == 200
    assert (_on_hand(app, stocked["item_id"], "A-01"),
            _on_hand(app, stocked["item_id"], "A-02")) == (3, 2)
    other = make_site(app, name="Far", code="FAR")
    outsider = make_stock(app, other, keeper, sku="ITEM-TST")
    elsewhere = _post(client, url, bin="A-01", item="ITEM-TST", quantity="1",
                      to_store=str(outsider["store_id"]), to_bin="A-01")
    assert elsewhere.status_code == 422  # not a store of the keeper's sites


def test_adjusting_needs_a_reason_and_a_change(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    url = f"/stock/stores/{stocked['store_id']}/adjust"
    no_reason = _post(client, url, bin="A-01", item="ITEM-TST", change="-1", reason="")
    assert no_reason.status_code == 422
    zero = _post(client, url, bin="A-01", item="ITEM-TST", change="0", reason="lost")
    assert zero.status_code == 422 and "other than 0" in zero.text
    done = _post(client, url, bin="A-01", item="ITEM-TST", change="-2", reason="damaged",
                 note="Dropped")
    assert done.status_code == 303
    assert _on_hand(app, stocked["item_id"], "A-01") == 3
    assert "Damaged" in client.get(f"/stock/items/{stocked['item_id']}").text


@pytest.mark.parametrize("fields,message", [
    ({"quantity": "0"}, "Enter a quantity above 0, up to 999,999."),
    ({"quantity": "-1"}, "Enter a quantity above 0, up to 999,999."),
    ({"quantity": "1e9"}, "Enter a quantity above 0, up to 999,999."),
    ({"quantity": "abc"}, "Enter a number."),
    ({"quantity": "NaN"}, "Enter a number."),
    ({"quantity": ""}, "Enter a number."),
    ({"bin": "Z-99"}, "No bin Z-99 in this store."),
    ({"bin": ""}, "This field is required."),
    ({"item": "nothing-here"}, "No item has the code nothing-here."),
])
def test_bad_lines_are_refused_plainly(app, client, keeper, stocked, fields, message):
    sign_in(app, client, keeper)
    url = f"/stock/stores/{stocked['store_id']}/receive"
    response = _post(client, url, htmx=True, **{"bin": "A-01", "item": "ITEM-TST",
                                                "quantity": "1", **fields})
    assert response.status_code == 422
    assert message in response.text
    for value in fields.values():
        if value:
            assert f'value="{value}"' in response.text  # what was typed is kept
    assert _on_hand(app, stocked["item_id"], "A-01") == 5


def test_an_unknown_code_is_attached_to_an_item(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    url = f"/stock/stores/{stocked['store_id']}/receive"
    unknown = _post(client, url, bin="A-01", item="4006381333931", quantity="1")
    assert unknown.status_code == 422
    assert "/stock/codes/attach?code=4006381333931" in unknown.text
    page = client.get("/stock/codes/attach?code=4006381333931").text
    assert 'value="4006381333931"' in page
    wrong = client.post("/stock/codes/attach", data={
        **hidden_fields(page, "csrf_token"), "code": "4006381333931", "sku": "NOPE"})
    assert wrong.status_code == 422 and "No item has the code NOPE." in wrong.text
    attached = client.post("/stock/codes/attach", data={
        **hidden_fields(page, "csrf_token"), "code": "4006381333931", "sku": "item-tst"})
    assert attached.status_code == 303
    assert _post(client, url, bin="A-01", item="4006381333931",
                 quantity="1").status_code == 303
    assert _on_hand(app, stocked["item_id"], "A-01") == 6
    with app.app_context():
        assert db.session.scalar(select(func.count(ItemBarcode.id))) == 1


def test_what_each_role_may_do(app, client, site, keeper, stocked):
    technician = make_user(app, username="tech", roles=("technician",), sites=[site])
    sign_in(app, client, technician)
    assert client.get("/stock/").status_code == 200
    assert client.get(f"/stock/items/{stocked['item_id']}").status_code == 200
    assert client.get(f"/stock/stores/{stocked['store_id']}/issue").status_code == 403
    assert client.get("/stock/items/new").status_code == 403
    staff = make_user(app, username="staff", roles=("staff",), sites=[site])
    sign_in(app, client, staff)
    assert client.get("/stock/").status_code == 403


def test_other_sites_stock_is_out_of_sight(app, client, site, keeper, stocked):
    other = make_site(app, name="Far", code="FAR")
    boss = make_user(app, username="farboss", roles=("supervisor",), sites=[other])
    far = make_stock(app, other, boss, sku="ITEM-TST", on_hand=7)
    sign_in(app, client, keeper)
    page = client.get(f"/stock/items/{stocked['item_id']}").text
    assert "SFAR" not in page  # the far store's bins and movements are not shown
    assert client.get(f"/stock/stores/{far['store_id']}").status_code == 404
    assert client.get(f"/stock/stores/{far['store_id']}/receive").status_code == 404
    listed = client.get("/stock/?q=ITEM").text
    assert "On hand: 5 pcs" in listed  # the keeper's store only, not 5 + 7
    with app.app_context():
        assert db.session.scalar(select(func.count(Store.id))) == 2
        assert db.session.scalar(select(func.count(StockItem.id))) == 1


def test_a_store_prints_labels_of_its_bins(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    sheet = client.get(f"/stock/stores/{stocked['store_id']}/labels").text
    assert "A-01" in sheet and "A-02" in sheet and "QR code for A-01" in sheet
    qr = client.get(f"/stock/stores/{stocked['store_id']}/bins/{stocked['bin_id']}/qr")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    other = client.get(f"/stock/stores/{stocked['store_id']}/bins/999999/qr")
    assert other.status_code == 404


def test_an_item_says_where_it_is_used(app, client, site, keeper, stocked):
    work = make_work_order(app, site, keeper, code="PUMP-9")
    with app.app_context():
        from app.maintenance.models import WorkOrder

        reference = db.session.get(WorkOrder, work["work_order_id"]).reference
    sign_in(app, client, keeper)
    url = f"/stock/stores/{stocked['store_id']}/issue"
    assert _post(client, url, bin="A-01", item="ITEM-TST", quantity="2",
                 work_order=reference).status_code == 303
    page = client.get(f"/stock/items/{stocked['item_id']}").text
    assert f'hx-get="/stock/items/{stocked["item_id"]}/used"' in page  # loaded after it
    used = client.get(f"/stock/items/{stocked['item_id']}/used", headers={
        "HX-Request": "true", "HX-Target": "item_used"})
    assert "<html" not in used.text and reference in used.text and "PUMP-9" in used.text
    assert "Where it is used" in client.get(f"/stock/items/{stocked['item_id']}/used").text


def test_a_store_is_edited_and_may_allow_stock_below_zero(app, client, keeper, stocked):
    sign_in(app, client, keeper)
    url = f"/stock/stores/{stocked['store_id']}/edit"
    page = client.get(url).text
    assert 'value="Main store"' in page and "STST" in page
    empty = client.post(url, data={**hidden_fields(page, "csrf_token"), "name": ""})
    assert empty.status_code == 422 and "This field is required." in empty.text
    saved = client.post(url, data={**hidden_fields(page, "csrf_token"), "name": "Spares",
                                   "allows_negative": "y", "active": "y"})
    assert saved.status_code == 303
    issue_url = f"/stock/stores/{stocked['store_id']}/issue"
    below = _post(client, issue_url, bin="A-01", item="ITEM-TST", quantity="7",
                  cost_centre="CC")
    assert below.status_code == 303  # 5 on hand, 7 issued: -2, as the store now allows
    assert _on_hand(app, stocked["item_id"], "A-01") == -2
    assert "Stock may go below zero" in client.get(f"/stock/stores/{stocked['store_id']}").text


def test_a_person_of_two_sites_chooses_the_site_of_a_new_store(app, client, site):
    other = make_site(app, name="Depot", code="DEP")
    boss = make_user(app, username="boss2", roles=("supervisor",), sites=[site, other])
    sign_in(app, client, boss)
    for url in ("/stock/stores/new", "/maintenance/assets/new", "/maintenance/pm-calendar",
                "/maintenance/assets/import"):
        page = client.get(f"{url}?site={other.id}").text
        assert "Choose site" in page, url
        assert f'<option value="{other.id}" selected>Depot</option>' in page, url


def test_an_item_has_photos_that_whoever_sees_stock_may_open(app, client, site, keeper,
                                                            stocked):
    sign_in(app, client, keeper)
    url = f"/stock/items/{stocked['item_id']}"
    response = client.post(f"{url}/photos", data={**_form(client, url), "photo": (
        io.BytesIO(image_bytes()), "shelf.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 303
    refused = client.post(f"{url}/photos", data={**_form(client, url), "photo": (
        io.BytesIO(b"%PDF-1.4 a manual"), "manual.pdf")}, content_type="multipart/form-data")
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    empty = client.post(f"{url}/photos", data=_form(client, url),
                        content_type="multipart/form-data")
    assert empty.status_code == 422
    with app.app_context():
        photo = db.session.scalar(select(Attachment).filter_by(entity_type="stockitem"))
        assert photo.entity_id == stocked["item_id"] and photo.content_type == "image/jpeg"
        public_id = photo.public_id
    assert f"/attachments/{public_id}/thumb" in client.get(url).text
    technician = make_user(app, username="tess", roles=("technician",), sites=[site])
    sign_in(app, client, technician)
    assert client.get(f"/attachments/{public_id}/thumb").status_code == 200
    assert "Add a photo" not in client.get(url).text  # only those who keep the catalogue
    inspector = make_user(app, username="ivan", roles=("inspector",), sites=[site])
    sign_in(app, client, inspector)
    assert client.get(f"/attachments/{public_id}").status_code == 404
