"""Stock in a real browser at phone size: a storekeeper receives stock by scanning into the
scan fields (a hardware scanner types the code and Enter), one line at a time with each
line's saved state shown; a code nobody knew is refused with the offer to attach it; stock
is moved from one bin to another and the item's page shows where it is."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_flows import assert_clean_console, sign_in
from tests.conftest import make_user
from tests.helpers import make_stock

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
    screenshot("item")
    assert_clean_console(console)
