"""What stock puts in shared registries: who may open an item's photos, what an action is
raised from (a stocktake), what an item is searched by, the storekeeper's home page."""

from flask_babel import lazy_gettext as _l

from app.actions import sources
from app.core.attachments import register_access
from app.core.pagination import capped_count
from app.core.search import searchable
from app.core.urls import path_for
from app.dashboard.panels import register
from app.stock import count_queries, queries
from app.stock.models import StockItem

# the catalogue is every site's: whoever may see stock may see an item's photos
register_access("stockitem", lambda user, attachment: user.can("stock.view"))
# a corrective action may be raised from a stocktake's variances (at its approval)
sources.register(
    "stockcount", _l("Stocktake"),
    load=lambda user, count_id: count_queries.get_count(user, count_id),
    url=lambda count_id: path_for("stock.count", count_id=count_id))
searchable(StockItem, "fts_stock_item", ("sku", "name", "name_zh", "category"))


@register
def home_stock(user):
    """A storekeeper's home page: the parts technicians are waiting for, the stocktakes
    being counted, and the stock screens (managers reach them from Stock: their home page
    has its own budget)."""
    if user.is_manager or not user.can("stock.move"):
        return None
    waiting = capped_count(queries.open_requests(user))
    counting = capped_count(count_queries.count_list(user, status="counting")) \
        if user.can("counts.count") else 0
    return "stock/_home.html", {"waiting": waiting, "counting": counting}
