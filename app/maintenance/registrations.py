"""What the asset register puts in shared registries: what an asset is found by."""

from app.core.search import searchable
from app.maintenance.models import Asset

searchable(Asset, "fts_asset", ("code", "name", "serial_number", "barcode", "make", "model"))
