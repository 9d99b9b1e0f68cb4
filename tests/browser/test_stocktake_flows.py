"""A stocktake in real browsers at phone size: two counters in two browser contexts count
different bins at the same time (one scanning each unit, "each scan adds one"), while one of
the counted items is issued; the supervisor sees that line flagged as moved after it was
counted, sends it for a recount by the other counter, approves, and the adjustment and the
accuracy are shown."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.stock import services as stock
from app.stock.models import StockBin, StockItem
from tests.browser.conftest import VIEWPORTS
from tests.browser.test_flows import assert_clean_console, sign_in
from tests.browser.test_round_flows import switch_to
from tests.browser.test_stock_flows import scan
from tests.conftest import make_user
from tests.helpers import make_stock

pytestmark = pytest.mark.browser


def _filters_in_a_02(app, stocked, keeper) -> None:
    """A second item, 3 filters in bin A-02."""
    with app.test_request_context():
        by = db.session.get(type(keeper), keeper.id)
        item = stock.create_item(stock.ItemFields(sku="FLT-10", name="Oil filter",
                                                  unit_cost=Decimal("4.00")), by=by)
        stock.receive(item, db.session.get(StockBin, stocked["second_bin_id"]), Decimal("3"),
                      by=by)
        db.session.commit()


@pytest.mark.parametrize("viewport", ["phone"])
def test_two_counters_count_while_stock_moves_then_a_recount_and_approval(
        page: Page, browser, live_server, app, world, console, screenshot):
    keeper = make_user(app, username="kim", name="Kim Keeper", roles=("storekeeper",),
                       sites=[world.site])
    make_user(app, username="lee", name="Lee Counter", roles=("storekeeper",),
              sites=[world.site])
    make_user(app, username="sam", name="Sam Supervisor", roles=("supervisor",),
              sites=[world.site])
    stocked = make_stock(app, world.site, keeper, sku="BRG-6204", on_hand=5)
    _filters_in_a_02(app, stocked, keeper)

    # Kim starts a blind count of the whole store and counts bin A-01: 4 bearings
    page.goto(f"/stock/stores/{stocked['store_id']}/counts/new")
    sign_in(page, "kim")
    expect(page.get_by_label("Blind count: counters do not see the quantity expected")
           ).to_be_checked()
    page.get_by_role("button", name="Start the count").click()
    expect(page.get_by_text("started.")).to_be_visible()
    count_url = page.url
    page.get_by_role("button", name="Count", exact=True).click()
    scan(page, "Bin", "A-01")
    scan(page, "Item", "BRG-6204")
    quantity = page.get_by_label("Quantity counted")
    expect(quantity).to_be_focused()
    quantity.press_sequentially("4")
    quantity.press("Enter")
    expect(page.locator("#saved-lines li").first).to_contain_text("BRG-6204")
    expect(page.get_by_role("status").filter(has_text="Counted: BRG-6204 4 pcs in bin A-01.")
           ).to_be_visible()
    screen_url = page.url

    # at the same time Lee, on another phone, counts A-02 one scan per filter
    other = browser.new_context(base_url=live_server, locale="en-US", **VIEWPORTS["phone"])
    lee = other.new_page()
    lee.goto(screen_url)
    sign_in(lee, "lee")
    scan(lee, "Bin", "A-02")
    lee.get_by_label("Each scan adds one").check()
    lee.get_by_label("Item", exact=True).focus()
    for number in range(3):
        scan(lee, "Item", "FLT-10")
        expect(lee.get_by_role("status").filter(
            has_text=f"Counted: FLT-10 {number + 1} pcs in bin A-02.")).to_be_visible()
    expect(lee.get_by_label("Each scan adds one")).to_be_checked()  # kept for the next scan

    # meanwhile a bearing is issued from A-01, after Kim counted it
    page.goto(f"/stock/stores/{stocked['store_id']}/issue")
    scan(page, "Bin", "A-01")
    scan(page, "Item", "BRG-6204")
    page.get_by_label("Cost centre").fill("CC-7")
    page.get_by_role("button", name="Issue").click()
    expect(page.locator("#saved-lines li").first).to_contain_text("-1 pcs")

    # the supervisor reviews: the bearings moved after they were counted
    switch_to(page, "sam", "Sam Supervisor")
    page.goto(count_url)
    page.get_by_role("button", name="Review").click()
    page.get_by_label("Show").select_option(label="Moved after they were counted")
    row = page.locator("#review_lines").get_by_role("listitem").filter(has_text="BRG-6204")
    expect(row).to_contain_text("moved after count")
    expect(row).to_contain_text("-1")  # 4 counted, 5 on the books then: the issue is after
    row.get_by_role("checkbox").check()
    page.get_by_label("Recounted by").select_option(label="Lee Counter")
    page.get_by_role("button", name="Send the ticked lines for a recount").click()
    expect(page.get_by_text("1 line sent to Lee Counter for a recount.")).to_be_visible()
    screenshot("review")

    # Lee recounts: 3 on the shelf now, 4 on the books: still one short
    lee.goto(f"{screen_url}?bin=A-01")
    scan(lee, "Item", "BRG-6204")
    lee.get_by_label("Quantity counted").fill("3")
    lee.get_by_role("button", name="Save the count").click()
    expect(lee.get_by_role("status").filter(has_text="Counted: BRG-6204 3 pcs in bin A-01.")
           ).to_be_visible()
    other.close()

    page.goto(count_url)
    page.get_by_label("Leave them as they are").check()
    page.get_by_role("button", name="Approve the count").click()
    expect(page.get_by_text("approved: 1 adjustment posted.")).to_be_visible()
    expect(page.get_by_role("row", name="Accuracy")).to_contain_text("50.0 %")
    screenshot("approved")
    page.goto(f"/stock/items/{stocked['item_id']}")
    expect(page.get_by_text("Adjusted -1 pcs")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="A-01")).to_contain_text("3 pcs")
    page.goto(f"/stock/counts/?store={stocked['store_id']}")
    accuracy = page.get_by_role("img", name="Inventory record accuracy")
    expect(accuracy).to_be_visible()
    expect(page.locator(".chart-numbers")).to_contain_text("50")
    screenshot("accuracy")
    with app.app_context():
        assert db.session.scalar(db.select(StockItem.sku).filter_by(sku="FLT-10"))
    assert_clean_console(console)
