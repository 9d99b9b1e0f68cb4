"""What stock puts in shared registries: what an item is searched by."""

from app.core.search import searchable
from app.stock.models import StockItem

searchable(StockItem, "fts_stock_item", ("sku", "name", "name_zh", "category"))
