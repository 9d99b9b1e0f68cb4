"""Stock in a real browser at phone size: a storekeeper receives stock by scanning into the
scan fields (a hardware scanner types the code and Enter), one line at a time with each
line's saved state shown; a code nobody knew is refused with the offer to attach it; stock
is moved from one bin to another and the item's page shows where it is, and its photo."""

from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_flows import assert_clean_console, sign_in
from tests.conftest import make_user
from tests.helpers import image_bytes, make_stock

pytestmark = pytest.mark.browser


def scan(page: Page, label: str, code: str) -> None:
    """What a hardware scanner does: the code typed into the focused field, then Enter."""
    field = page.get_by_label(label, exact=True)
    expect(field).to_be_focused()
    field.press_sequentially(code, delay=5)
    field.press("Enter")


@pytest.mark.parametrize("viewport", ["phone"])
def test_stock_is_received_by_scanning_and_moved_between_bins(page: Page, app, world, console,
                                                              screenshot):
    console.allow(r"status of 422")
    keeper = make_user(app, username="kim", name="Kim Keeper", roles=("storekeeper",),
                       sites=[world.site])
    stock = make_stock(app, world.site, keeper, sku="BRG-6204")
    page.goto(f"/stock/stores/{stock['store_id']}/receive")
    sign_in(page, "kim")
    expect(page.get_by_role("heading", name="Receive stock")).to_be_visible()
    scan(page, "Bin", "A-01")
    scan(page, "Item", "BRG-6204")
    quantity = page.get_by_label("Quantity")
    expect(quantity).to_be_focused()
    quantity.press_sequentially("4")
    quantity.press("Enter")  # the line is sent
    saved = page.locator("#saved-lines li")
    expect(saved.first).to_contain_text("+4 pcs")
    expect(saved.first).to_contain_text("Saved")
    expect(page.get_by_label("Bin", exact=True)).to_have_value("A-01")  # the same bin
    scan(page, "Item", "brg-6204")  # the next scan, straight into the item field
    page.get_by_label("Quantity").press("Enter")  # 1, as it stands
    expect(saved).to_have_count(2)
    expect(saved.first).to_contain_text("+1 pcs")
    scan(page, "Item", "999000111")
    page.get_by_label("Quantity").press("Enter")
    expect(page.get_by_text("No item has the code 999000111.").first).to_be_visible()
    expect(page.get_by_role("link", name="Attach 999000111 to an item")).to_be_visible()
    screenshot("receive")

    page.goto(f"/stock/stores/{stock['store_id']}/transfer")
    scan(page, "Bin", "A-01")
    scan(page, "Item", "BRG-6204")
    page.get_by_label("Quantity").fill("2")
    page.get_by_label("To bin").fill("A-02")
    page.get_by_role("button", name="Move").click()
    expect(page.locator("#saved-lines li").first).to_contain_text("-2 pcs")
    screenshot("transfer")

    page.goto(f"/stock/items/{stock['item_id']}")
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="A-01")).to_contain_text("3 pcs")
    expect(rows.filter(has_text="A-02")).to_contain_text("2 pcs")
    expect(page.get_by_text("Moved in +2 pcs")).to_be_visible()
    page.get_by_text("Add a photo").click()
    page.get_by_label("Photo", exact=True).set_input_files(
        {"name": "shelf.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()})
    page.get_by_role("button", name="Add photo").click()
    expect(page.get_by_text("Photo added.")).to_be_visible()
    expect(page.get_by_role("img", name="shelf.jpg")).to_be_visible()
    screenshot("item")
    assert_clean_console(console)


@pytest.mark.parametrize("viewport", ["phone"])
def test_parts_are_asked_for_on_a_work_order_issued_and_costed(page: Page, app, world, console,
                                                               screenshot):
    from datetime import date
    from decimal import Decimal

    from app.extensions import db
    from app.maintenance import services as maintenance
    from app.maintenance import work_log, work_orders
    from app.maintenance.models import WorkOrder
    from tests.browser.test_round_flows import switch_to
    from tests.helpers import make_work_order

    console.allow(r"status of 422")
    boss = make_user(app, username="sue", name="Sue Visor", roles=("supervisor",),
                     sites=[world.site])
    tech = make_user(app, username="tom", name="Tom Tech", roles=("technician",),
                     sites=[world.site])
    keeper = make_user(app, username="kim", name="Kim Keeper", roles=("storekeeper",),
                       sites=[world.site])
    stock = make_stock(app, world.site, keeper, sku="BRG-6204", on_hand=6)
    records = make_work_order(app, world.site, boss)
    with app.test_request_context():
        skill = maintenance.add_code("skill", name="Mechanic", by=None)
        maintenance.update_code(skill, name="Mechanic", name_zh="", active=True,
                                hourly_rate=Decimal("80"), by=None)
        work_order = db.session.get(WorkOrder, records["work_order_id"])
        work_orders.approve(work_order, kind="corrective", priority=2, assignee_ids=[tech.id],
                            due_on=None, skill_id=skill.id, by=db.session.get(type(boss),
                                                                              boss.id))
        work_log.log_hours(work_order, hours=Decimal("2"), worked_on=date.today(),
                           by=db.session.get(type(tech), tech.id))
        db.session.commit()
        reference = work_order.reference
    page.goto(f"/maintenance/work-orders/{records['work_order_id']}")
    sign_in(page, "tom")
    parts = page.locator("#parts")
    parts.get_by_text("Ask for parts", exact=True).first.click()
    parts.get_by_label("Part", exact=True).fill("BRG-6204")
    parts.get_by_label("Quantity").fill("2")
    parts.get_by_role("button", name="Ask for parts").click()
    expect(page.locator("#parts").get_by_role("row", name="BRG-6204")).to_contain_text(
        "Asked for")
    screenshot("asked")

    switch_to(page, "kim", "Kim Keeper")
    page.goto("/stock/part-requests/")
    page.get_by_role("button", name=f"Issue from {'S' + world.site.code}").click()
    expect(page.get_by_text(f"For the parts asked for on {reference}.")).to_be_visible()
    expect(page.get_by_label("Item", exact=True)).to_have_value("BRG-6204")
    scan(page, "Bin", "A-01")
    page.get_by_role("button", name="Issue").click()
    expect(page.locator("#saved-lines li").first).to_contain_text("-2 pcs")
    screenshot("issued")

    switch_to(page, "tom", "Tom Tech")
    page.goto(f"/maintenance/work-orders/{records['work_order_id']}")
    costs = page.get_by_role("definition")
    expect(page.locator("#parts").get_by_role("row", name="BRG-6204").first).to_contain_text(
        "Issued")
    expect(costs.filter(has_text="25.00")).to_have_count(1)  # 2 x 12.50
    expect(costs.filter(has_text="185.00")).to_have_count(1)  # 2 h at 80.00 + 25.00
    page.locator("#parts").scroll_into_view_if_needed()
    screenshot("cost")
    page.goto(f"/stock/items/{stock['item_id']}")  # the item says where it went (loaded after)
    expect(page.locator("#item_used").get_by_role("link", name=reference)).to_be_visible()
    assert_clean_console(console)


def _camera_feed(path, code: str) -> str:
    """A fake camera for chromium (an MJPEG file of frames): a QR code of `code` on a desk."""
    import io

    import segno
    from PIL import Image

    symbol = io.BytesIO()
    segno.make(code, error="m").save(symbol, kind="png", scale=10, border=4)
    label = Image.open(symbol).convert("RGB")
    frame = Image.new("RGB", (640, 480), (120, 110, 100))
    frame.paste(label, ((640 - label.width) // 2, (480 - label.height) // 2))
    shot = io.BytesIO()
    frame.save(shot, format="JPEG", quality=90)
    path.write_bytes(shot.getvalue() * 30)
    return str(path)


@contextmanager
def _camera_page(browser, live_server, feed: str):
    """A phone-sized page of a chromium whose camera shows `feed` (allowed without asking)."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS

    camera = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={feed}"])
    try:
        context = camera.new_context(base_url=live_server, locale="en-US",
                                     **VIEWPORTS["phone"])
        context.grant_permissions(["camera"])
        yield context.new_page()
    finally:
        camera.close()


def test_the_camera_scans_into_the_screen_and_stays_open(browser, live_server, app, world,
                                                        tmp_path):
    """Chromium's fake camera shows a QR label of the bin, then one of the item: the codes
    go where a scanner's would (the bin, then the item), each scan said on the screen. Here
    chromium has no BarcodeDetector (Linux): the npm library reads the codes."""
    keeper = make_user(app, username="kim", name="Kim Keeper", roles=("storekeeper",),
                       sites=[world.site])
    stock = make_stock(app, world.site, keeper, sku="BRG-6204")
    feed = _camera_feed(tmp_path / "bin.mjpeg", "A-01")
    with _camera_page(browser, live_server, feed) as page:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"/stock/stores/{stock['store_id']}/receive")
        sign_in(page, "kim")
        page.get_by_role("button", name="Scan with the camera").click()
        expect(page.get_by_role("status").filter(has_text="Scanned: A-01")).to_be_visible(
            timeout=15_000)
        expect(page.get_by_label("Bin", exact=True)).to_have_value("A-01")
        expect(page.get_by_label("Item", exact=True)).to_be_focused()
        page.screenshot(path=str(tmp_path / "camera.png"))
        page.get_by_role("button", name="Stop the camera").click()
        expect(page.locator("#camera")).to_be_hidden()
        assert errors == []


# A stand-in for the BarcodeDetector of Android's Chrome and Safari 17 (chromium on Linux has
# none): it "sees" the bin's label, the item's, then the item's again 2 s later.
FAKE_DETECTOR = """
window.BarcodeDetector = class {
  constructor() { this.start = null; this.codes = [["A-01", 0], ["BRG-6204", 400],
                                                   ["BRG-6204", 2200]]; }
  detect(video) {
    if (!(video instanceof HTMLVideoElement)) return Promise.reject(new TypeError("video"));
    var now = Date.now();
    if (this.start === null) this.start = now;
    if (this.codes.length && now - this.start >= this.codes[0][1]) {
      return Promise.resolve([{rawValue: this.codes.shift()[0], format: "qr_code"}]);
    }
    return Promise.resolve([]);
  }
};
"""


def test_a_browser_barcode_detector_is_used_where_there_is_one(browser, live_server, app,
                                                              world, tmp_path):
    """Where the browser detects codes itself, the library is never loaded: the detector's
    codes go to the bin, the item, and the same item again adds one."""
    keeper = make_user(app, username="kim", name="Kim Keeper", roles=("storekeeper",),
                       sites=[world.site])
    stock = make_stock(app, world.site, keeper, sku="BRG-6204")
    feed = _camera_feed(tmp_path / "any.mjpeg", "nothing")
    with _camera_page(browser, live_server, feed) as page:
        page.add_init_script(FAKE_DETECTOR)
        scripts = []
        page.on("request", lambda sent: scripts.append(sent.url))
        page.goto(f"/stock/stores/{stock['store_id']}/receive")
        sign_in(page, "kim")
        page.get_by_role("button", name="Scan with the camera").click()
        expect(page.get_by_label("Bin", exact=True)).to_have_value("A-01", timeout=10_000)
        expect(page.get_by_label("Item", exact=True)).to_have_value("BRG-6204")
        expect(page.get_by_label("Quantity")).to_have_value("2", timeout=10_000)  # +1
        expect(page.get_by_role("status").filter(has_text="Scanned: BRG-6204")).to_be_visible()
        assert not [url for url in scripts if "zxing" in url]
        page.get_by_role("button", name="Stop the camera").click()
