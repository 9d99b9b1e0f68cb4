"""Stock in files through the test client: items imported from CSV (a check that lists every
bad row and imports nothing, then the import; a known SKU changes its item), the catalogue
exported in the same shape, and a store's valuation as a page and CSV."""

import io

from sqlalchemy import func, select

from app.extensions import db
from app.stock.models import StockItem
from tests.conftest import make_user, sign_in
from tests.helpers import hidden_fields, make_stock


def _send(client, text: str, encoding="utf-8"):
    page = client.get("/stock/import").text
    return client.post("/stock/import", data={
        **hidden_fields(page, "csrf_token"), "do": "check",
        "file": (io.BytesIO(text.encode(encoding)), "items.csv")},
        content_type="multipart/form-data")


GOOD = ("sku,name,name_zh,category,unit,unit_cost,reorder_point,reorder_quantity,barcodes,"
        "active\nBLT-A42,V-belt A42,三角带,Belts,pcs,25,4,12,6901 6902,yes\n"
        "OIL-68,Hydraulic oil,液压油,Lubricants,L,28.5,40,,,yes\n")


def test_items_are_checked_then_imported_and_exported_again(app, client, keeper):
    sign_in(app, client, keeper)
    bad = _send(client, "sku,name,unit_cost,active,colour\nX,Y,1,yes,red\n")
    assert bad.status_code == 422 and "Not understood: colour" in bad.text
    rows = _send(client, "sku,name,unit_cost,reorder_point,active\n,No SKU,1,,yes\n"
                         "ok-1,Good,abc,,maybe\nok 2,Spaces,1,-4,yes\n")
    assert rows.status_code == 422 and "5 problems: nothing was imported." in rows.text
    for message in ("This field is required.", "Enter a number.", "Use yes or no.",
                    "Use letters, digits", "Enter a number of 0 or more."):
        assert message in rows.text, message
    checked = _send(client, GOOD, encoding="gb18030")  # as a Chinese spreadsheet saves it
    assert checked.status_code == 200 and "2 rows, all good." in checked.text
    with app.app_context():
        assert db.session.scalar(select(func.count(StockItem.id))) == 0  # a check keeps none
    imported = client.post("/stock/import", data={
        **hidden_fields(checked.text, "csrf_token", "csv_text"), "do": "import"})
    assert imported.status_code == 303
    with app.app_context():
        belt = db.session.scalar(select(StockItem).filter_by(sku="BLT-A42"))
        assert belt.name_zh == "三角带" and [b.code for b in belt.barcodes] == ["6901", "6902"]
    changed = _send(client, "sku,name,unit_cost\nBLT-A42,V-belt A42 (Gates),27\n")
    client.post("/stock/import", data={**hidden_fields(changed.text, "csrf_token",
                                                       "csv_text"), "do": "import"})
    exported = client.get("/stock/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeffsku,name,name_zh")
    assert "BLT-A42,V-belt A42 (Gates),三角带,Belts,pcs,27,4,12,6901 6902,yes" in text
    again = _send(client, text.lstrip("\ufeff"))  # what is exported imports again
    assert again.status_code == 200 and "2 rows, all good." in again.text


def test_a_store_is_valued(app, client, site, keeper):
    records = make_stock(app, site, keeper, on_hand=4)  # 4 x 12.50
    sign_in(app, client, keeper)
    page = client.get(f"/stock/stores/{records['store_id']}/valuation").text
    assert "50.00" in page and "ITEM-TST" in page
    csv = client.get(f"/stock/stores/{records['store_id']}/valuation.csv")
    assert csv.status_code == 200
    assert "ITEM-TST,Bearing 6204,轴承 6204,Bearings,pcs,4,12.50,50.00" in csv.get_data(
        as_text=True)
    technician = make_user(app, username="tech", roles=("technician",), sites=[site])
    sign_in(app, client, technician)
    assert client.get(f"/stock/stores/{records['store_id']}/valuation").status_code == 403
    assert client.get("/stock/export.csv").status_code == 200
