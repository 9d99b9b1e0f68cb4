"""The asset register through the test client: adding and editing assets (codes, barcodes,
the hierarchy), the list's search and filters, meters and their readings, files, QR labels,
the location's panel and the lists admins edit."""

import io
import re

import pytest
from sqlalchemy import func, select

from app.core.models import Attachment, AuditEvent
from app.extensions import db
from app.maintenance.models import Asset, MaintenanceCode, Meter, MeterReading
from tests.conftest import csrf_from, make_site, make_user
from tests.helpers import first_location, hidden_fields, image_bytes, make_asset


@pytest.fixture
def supervisor(app, site):
    return make_user(app, username="sue", name="Sue Visor", roles=("supervisor",), sites=[site])


def _signed_in(app, client, user) -> str:
    from tests.conftest import sign_in

    sign_in(app, client, user)
    return csrf_from(client.get("/profile").text)


def _form(client, url: str) -> dict:
    """The hidden fields of the form a page posts to `url` (its CSRF token and key)."""
    from tests.helpers import hidden_fields

    page = client.get(url).text
    return hidden_fields(page, "csrf_token", "idempotency_key")


def _asset(app, code: str) -> Asset:
    with app.app_context():
        return db.session.scalar(select(Asset).filter_by(code=code))


def _add(client, site, **fields):
    data = {**_form(client, f"/maintenance/assets/new?site={site.id}"), "code": "",
            "name": "", "status": "in_service", "criticality": "B", **fields}
    return client.post(f"/maintenance/assets/new?site={site.id}", data=data)


def test_a_supervisor_adds_an_asset_and_finds_it(app, client, site, supervisor):
    _signed_in(app, client, supervisor)
    location = first_location(app, site)
    response = _add(client, site, code="ahu-01", name="Air handler 冷水机组",
                    serial_number="SN-77812", barcode="4006381333931", make="Carrier",
                    model="39HQ", location=str(location.id), criticality="A",
                    purchase_date="2024-03-01", purchase_cost="125000.50",
                    warranty_ends_on="2029-03-01", notes="Roof, east side")
    assert response.status_code == 303
    asset = _asset(app, "AHU-01")  # codes are kept in upper case, as labels print them
    assert asset and asset.location_id == location.id and asset.criticality == "A"
    page = client.get(response.headers["Location"]).text
    assert "AHU-01 · Air handler 冷水机组" in page and "SN-77812" in page and "Carrier 39HQ" in page
    assert "QR code that opens this page" in page
    for words in ("77812", "4006381333931", "carrier", "冷水", "ahu-01"):
        found = client.get("/maintenance/assets/", query_string={"q": words}).text
        assert "AHU-01 · Air handler" in found, words
    assert "No asset matches." in client.get("/maintenance/assets/?q=boiler").text
    assert "AHU-01" in client.get("/maintenance/assets/?criticality=A").text
    assert "No asset matches." in client.get("/maintenance/assets/?status=down").text
    at_site = client.get(f"/maintenance/assets/?site={site.id}&location={location.id}").text
    assert "AHU-01" in at_site and f'<option value="{location.id}" selected>' in at_site
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).filter_by(
            entity_type="asset", action="create")) == 1


def test_bad_asset_input_says_why_and_keeps_what_was_typed(app, client, site, supervisor):
    _signed_in(app, client, supervisor)
    make_asset(app, site, supervisor, code="P-1", barcode="123")
    cases = [
        ({"code": "p-1", "name": "Pump"}, "Another asset already has this code."),
        ({"code": "P-2", "name": "Pump", "barcode": "123"},
         "Another asset already has this barcode."),
        ({"code": "P-2", "name": "Pump", "purchase_cost": "NaN"}, "Enter a number."),
        ({"code": "P-2", "name": "Pump", "purchase_cost": "-5"}, "Enter a cost of 0 or more."),
        ({"code": "P 2!", "name": "Pump"}, "Use letters, digits"),
        ({"code": "P-2", "name": "Pump", "parent_code": "NOPE"},
         "No asset of this site has this code."),
        ({"code": "P-2", "name": "Pump", "purchase_date": "1066-10-14"},
         "Enter a date between 2000 and 2100."),
    ]
    for fields, message in cases:
        response = _add(client, site, serial_number="typed-serial", **fields)
        assert response.status_code == 422, fields
        assert message in response.text, fields
        assert 'value="typed-serial"' in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Asset.id))) == 1


def test_the_hierarchy_has_no_cycles_and_stays_at_one_site(app, client, site, supervisor):
    _signed_in(app, client, supervisor)
    make_asset(app, site, supervisor, code="LINE-1", name="Bottling line")
    assert _add(client, site, code="FILLER", name="Filler", parent_code="line-1"
                ).status_code == 303
    assert _add(client, site, code="NOZZLE", name="Nozzle", parent_code="FILLER"
                ).status_code == 303
    nozzle, line = _asset(app, "NOZZLE"), _asset(app, "LINE-1")
    page = client.get(f"/maintenance/assets/{nozzle.public_id}").text
    assert re.search(r"LINE-1 Bottling line</a> › <a [^>]+>FILLER Filler", page)
    assert "FILLER</strong> Filler" in client.get(f"/maintenance/assets/{line.public_id}").text
    edit = f"/maintenance/assets/{line.public_id}/edit"
    for parent in ("NOZZLE", "LINE-1"):  # its own part's part, itself
        response = client.post(edit, data={**_form(client, edit), "code": "LINE-1",
                                            "name": "Bottling line", "status": "in_service",
                                            "criticality": "B", "parent_code": parent})
        assert response.status_code == 422
        assert "An asset cannot be part of itself or of one of its parts." in response.text
    other = make_site(app, name="Other", code="OTH")
    make_asset(app, other, make_user(app, username="owen", roles=("admin",)), code="FAR")
    response = _add(client, site, code="X-1", name="X", parent_code="FAR")
    assert "No asset of this site has this code." in response.text
    # the code stays editable: labels follow it
    response = client.post(edit, data={**_form(client, edit), "code": "LINE-A",
                                        "name": "Bottling line", "status": "standby",
                                        "criticality": "A", "barcode": "999"})
    assert response.status_code == 303
    assert _asset(app, "LINE-A").barcode == "999" and _asset(app, "LINE-A").status == "standby"


def test_meter_readings_count_up_unless_reset(app, client, site, supervisor):
    records = make_asset(app, site, supervisor)
    technician = make_user(app, username="tech", name="Tom Tech", roles=("technician",),
                           sites=[site])
    token = _signed_in(app, client, technician)
    url = f"/maintenance/meters/{records['meter_id']}/readings"
    prefix = f"m{records['meter_id']}"

    def read(value, **extra):
        return client.post(url, data={"csrf_token": token, f"{prefix}-value": value,
                                      **{f"{prefix}-{k}": v for k, v in extra.items()}})

    assert read("1250.5").status_code == 303
    zero = read("0")  # a number (DataRequired would call it missing): lower, so refused
    assert zero.status_code == 422 and "Lower than the last reading" in zero.text
    refused = read("1200", note="typed note")
    assert refused.status_code == 422
    assert "Lower than the last reading (1250.5 h)" in refused.text
    assert 'value="1200"' in refused.text and 'value="typed note"' in refused.text
    for bad, message in (("NaN", "Enter a number."), ("inf", "Enter a number."),
                         ("abc", "Not a valid decimal value"), ("", "This field is required."),
                         ("-3", "A counting meter does not go below zero.")):
        response = read(bad)
        assert response.status_code == 422 and message in response.text, bad
    assert read("12", is_reset="y").status_code == 303
    assert read("12").status_code == 303  # the same again is no lower
    page = client.get(f"/maintenance/meters/{records['meter_id']}").text
    assert page.count("Tom Tech") == 3 and "Reset" in page
    with app.app_context():
        meter = db.session.get(Meter, records["meter_id"])
        values = [float(r.value) for r in db.session.scalars(
            select(MeterReading).order_by(MeterReading.id))]
        assert values == [1250.5, 12, 12] and float(meter.last_value) == 12
    asset_page = client.get(f"/maintenance/assets/{records['asset_uuid']}").text
    assert "12 h" in asset_page and "Save reading" in asset_page
    assert "Edit asset" not in asset_page  # a technician reads meters, does not edit assets


def test_a_gauge_reads_anything_and_a_reading_from_the_asset_page_returns_there(
        app, client, site, supervisor):
    records = make_asset(app, site, supervisor)
    token = _signed_in(app, client, supervisor)
    asset_url = f"/maintenance/assets/{records['asset_uuid']}"
    response = client.post(f"{asset_url}/meters", data={
        **_form(client, asset_url), "name": "Pressure", "unit": "bar"})  # counting unticked
    assert response.status_code == 303
    with app.app_context():
        gauge = db.session.scalar(select(Meter).filter_by(name="Pressure"))
        assert not gauge.counting
    duplicate = client.post(f"{asset_url}/meters", data={
        **_form(client, asset_url), "name": "pressure", "unit": "bar"})
    assert "This asset already has a meter with this name." in duplicate.text
    url = f"/maintenance/meters/{gauge.id}/readings?back=asset"
    for value in ("4.2", "-0.5", "3"):
        response = client.post(url, data={"csrf_token": token, f"m{gauge.id}-value": value})
        assert response.status_code == 303 and response.headers["Location"] == asset_url


def test_files_on_an_asset(app, client, site, supervisor):
    records = make_asset(app, site, supervisor)
    _signed_in(app, client, supervisor)
    url = f"/maintenance/assets/{records['asset_uuid']}"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    for name, data in (("manual.pdf", pdf), ("plate.jpg", image_bytes())):
        response = client.post(f"{url}/files", data={**_form(client, url), "file": (
            io.BytesIO(data), name)}, content_type="multipart/form-data")
        assert response.status_code == 303, name
    refused = client.post(f"{url}/files", data={**_form(client, url), "file": (
        io.BytesIO(b"MZ not a document"), "tool.exe")},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    page = client.get(url).text
    assert "manual.pdf" in page and page.count("/thumb") >= 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id)).filter_by(
            entity_type="asset")) == 2


def test_qr_labels_and_the_location_panel(app, client, site, supervisor):
    records = make_asset(app, site, supervisor)
    _signed_in(app, client, supervisor)
    svg = client.get(f"/maintenance/assets/{records['asset_uuid']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    sheet = client.get(f"/maintenance/labels?site={site.id}").text
    assert "PUMP-TST" in sheet and "QR code for PUMP-TST" in sheet
    location = first_location(app, site)
    assert "PUMP-TST" in client.get(
        f"/maintenance/labels?site={site.id}&location={location.id}").text
    panel = client.get(f"/sites/locations/{location.public_id}").text
    assert "Assets here" in panel and "PUMP-TST</strong> Feed pump" in panel


def test_staff_open_an_asset_from_its_label_after_sign_in(app, client, site, supervisor):
    records = make_asset(app, site, supervisor)
    url = f"/maintenance/assets/{records['asset_uuid']}"
    assert client.get(url).status_code == 303  # signed out: sign in first
    _signed_in(app, client, make_user(app, username="sam", roles=("staff",), sites=[site]))
    page = client.get(url).text
    assert "Feed pump" in page and "Edit asset" not in page and "Save reading" not in page
    elsewhere = make_user(app, username="far", roles=("staff",),
                          sites=[make_site(app, name="Far", code="FAR")])
    _signed_in(app, client, elsewhere)
    assert client.get(url).status_code == 404


def test_admins_edit_the_maintenance_lists(app, client, site):
    admin = make_user(app, username="ada", roles=("admin",), sites=[site])
    token = _signed_in(app, client, admin)
    for kind, name, zh in (("category", "Chillers", "冷水机"), ("failure", "Leak", "泄漏"),
                           ("cause", "Worn seal", "密封件磨损"), ("remedy", "Replaced seal",
                                                                   "更换密封件")):
        response = client.post(f"/maintenance/lists/{kind}", data={
            "csrf_token": token, f"{kind}-name": name, f"{kind}-name_zh": zh})
        assert response.status_code == 303, kind
    again = client.post("/maintenance/lists/failure", data={"csrf_token": token,
                                                           "failure-name": "leak"})
    assert again.status_code == 422
    assert "This list already has an entry with this name." in again.text
    assert client.post("/maintenance/lists/nothing", data={"csrf_token": token}
                       ).status_code == 404
    with app.app_context():
        chillers = db.session.scalar(select(MaintenanceCode).filter_by(name="Chillers"))
    page = client.get("/maintenance/lists").text
    assert "Chillers · 冷水机" in page and "Replaced seal" in page
    response = client.post(f"/maintenance/lists/entries/{chillers.id}", data={
        "csrf_token": token, "name": "Chillers", "name_zh": "冷水机"})  # active unticked
    assert response.status_code == 303
    with app.app_context():
        assert not db.session.get(MaintenanceCode, chillers.id).active
    client.get("/maintenance/lists")  # the flash shown
    form = client.get(f"/maintenance/assets/new?site={site.id}").text
    assert ">Chillers</option>" not in form  # archived: no longer offered


GOOD_CSV = ("code,name,category,location,parent,status,criticality,serial_number,"
            "purchase_date,purchase_cost\n"
            "LINE-2,灌装线 2,Pumps,L1,,in_service,A,SN-1,2024-01-15,\"1,250.00\"\n"
            "FILL-2,Filler,泵,l1,LINE-2,standby,B,SN-2,,\n"
            "CAP-2,Capper,,,LINE-2,,,SN-3,,\n")


def _import(client, site, data: bytes | None = None, do="check", csv_text=None):
    url = f"/maintenance/assets/import?site={site.id}"
    fields = {**_form(client, url), "do": do}
    if data is not None:
        fields["file"] = (io.BytesIO(data), "assets.csv")
    if csv_text is not None:
        fields["csv_text"] = csv_text
    return client.post(url, data=fields, content_type="multipart/form-data")


def test_a_csv_of_assets_is_checked_then_imported(app, client, site, supervisor):
    make_asset(app, site, supervisor)  # the category "Pumps" (泵)
    _signed_in(app, client, supervisor)
    checked = _import(client, site, GOOD_CSV.encode("utf-8-sig"))
    assert checked.status_code == 200 and "3 rows, all good." in checked.text
    assert _asset(app, "LINE-2") is None  # a check imports nothing
    text = hidden_fields(checked.text, "csv_text")["csv_text"]
    imported = _import(client, site, do="import", csv_text=text)
    assert imported.status_code == 303
    line, filler = _asset(app, "LINE-2"), _asset(app, "FILL-2")
    assert line.name == "灌装线 2" and str(line.purchase_cost) == "1250.00"
    assert filler.parent_id == line.id and filler.status == "standby"
    assert filler.category_id == line.category_id  # by its Chinese name too
    # GB18030, as Chinese spreadsheet programs save it
    again = GOOD_CSV.replace("LINE-2", "LINE-3").replace("FILL-2", "FILL-3").replace(
        "CAP-2", "CAP-3")
    assert "3 rows, all good." in _import(client, site, again.encode("gb18030")).text


def test_every_bad_row_is_listed_and_nothing_is_imported(app, client, site, supervisor):
    make_asset(app, site, supervisor, code="TAKEN")
    _signed_in(app, client, supervisor)
    bad = ("code,name,location,parent,status,criticality,purchase_date,purchase_cost\n"
           "OK-1,Fine,,,,,,\n"
           "TAKEN,Twice,,,,,,\n"
           ",No code,,,,,,\n"
           "OK-2,Where,NOWHERE,,,,,\n"
           "OK-3,Odd,,,broken,Z,31/12/2026,-4\n"
           "OK-1,Again in the file,,,,,,\n"
           "OK-4,Orphan,,MISSING,,,,\n")
    for do in ("check", "import"):  # an import of a bad file is a check that keeps nothing
        response = _import(client, site, bad.encode(), do=do)
        assert response.status_code == 422
        for row, message in ((3, "Another asset already has this code."),
                             (4, "This field is required."),
                             (5, "No location of this site has this code."),
                             (6, "Use one of: in_service, down, standby, retired."),
                             (6, "Use A, B or C."), (6, "Write dates as 2026-12-31."),
                             (6, "Enter a cost of 0 or more."),
                             (7, "Another asset already has this code."),
                             (8, "No asset of this site has this code.")):
            assert re.search(rf"<td>{row}</td><td>[a-z_]*</td><td>{re.escape(message)}",
                             response.text), (row, message)
        assert "nothing was imported" in response.text
    assert _asset(app, "OK-1") is None
    unknown = _import(client, site, b"code,name,colour\nA,B,red\n")
    assert unknown.status_code == 422 and "Not understood: colour." in unknown.text
    nothing = _import(client, site, b"")
    assert "Choose a CSV file first." in nothing.text
