"""Demo stock: the spare parts and consumables of the demo plant's store, in bins, with a
delivery received, parts issued and a few items at their reorder point; an approved stocktake
of the filters (one short), and a cycle count of rack A waiting to be counted."""

from decimal import Decimal

from app.stock import counts, services
from app.stock.services import ItemFields

# sku, name, Chinese name, category, unit, unit cost, reorder point, reorder quantity,
# barcode, (bin, quantity received)
ITEMS = [
    ("BRG-6204", "Bearing 6204-2RS", "深沟球轴承 6204", "Bearings", "pcs", "18.50", "4", "20",
     "6901234567892", ("A-01", "12")),
    ("BRG-6306", "Bearing 6306-ZZ", "深沟球轴承 6306", "Bearings", "pcs", "42.00", "2", "10",
     "", ("A-01", "3")),
    ("BLT-A42", "V-belt A42", "三角带 A42", "Belts", "pcs", "25.00", "4", "12", "",
     ("A-02", "8")),
    ("FLT-G4-595", "Air filter G4 595x595", "初效过滤器 G4", "Filters", "pcs", "65.00", "10",
     "40", "6923450657713", ("B-01", "24")),
    ("FLT-F7-592", "Bag filter F7 592x592", "袋式过滤器 F7", "Filters", "pcs", "180.00", "6",
     "12", "", ("B-01", "6")),
    ("SEAL-MS-35", "Mechanical seal 35 mm", "机械密封 35mm", "Seals", "pcs", "320.00", "2", "4",
     "", ("A-03", "2")),
    ("OIL-ISO68", "Hydraulic oil ISO VG 68", "液压油 68号", "Lubricants", "L", "28.00", "40",
     "200", "", ("C-01", "120")),
    ("GRS-EP2", "Grease EP2", "极压锂基润滑脂", "Lubricants", "kg", "45.00", "5", "20", "",
     ("C-01", "15")),
    ("CBL-25", "Power cable 2.5 mm²", "电缆 2.5平方", "Electrical", "m", "6.80", "50", "200",
     "", ("D-01", "180")),
    ("FUSE-10A", "Fuse 10 A", "保险丝 10A", "Electrical", "pcs", "3.50", "20", "100", "",
     ("D-01", "15")),
]
BINS = [("A-01", "Rack A, shelf 1"), ("A-02", "Rack A, shelf 2"), ("A-03", "Rack A, shelf 3"),
        ("B-01", "Filters"), ("C-01", "Oil store"), ("D-01", "Electrical cabinet")]


def seed_stock(site, storekeeper, technician, supervisor) -> None:
    store = services.create_store(site, code="MAIN", name="Main store 主仓库",
                                  allows_negative=False, by=storekeeper)
    bins = {}
    for code, name in BINS:
        (made,) = services.create_bins(store, [code], name=name, by=storekeeper)
        bins[code] = made
    items = {}
    for sku, name, name_zh, category, unit, cost, point, quantity, barcode, (bin_code, received) \
            in ITEMS:
        item = services.create_item(ItemFields(
            sku=sku, name=name, name_zh=name_zh, category=category, unit=unit,
            unit_cost=Decimal(cost), reorder_point=Decimal(point),
            reorder_quantity=Decimal(quantity), barcodes=(barcode,) if barcode else ()),
            by=storekeeper)
        services.receive(item, bins[bin_code], Decimal(received), supplier="Acme Industrial",
                         reference="DN-2026-0412", by=storekeeper)
        items[sku] = item
    services.issue(items["BRG-6204"], bins["A-01"], Decimal("2"), person=technician,
                   note="Chilled water pump 1", by=storekeeper)
    services.transfer(items["FLT-G4-595"], bins["B-01"], bins["A-03"], Decimal("4"),
                      by=storekeeper)
    _seed_counts(store, bins, items, storekeeper, supervisor)


def _seed_counts(store, bins, items, storekeeper, supervisor) -> None:
    filters = counts.start_count(store, counts.CountPlan(
        scope="bins", bin_ids=(bins["B-01"].id, bins["A-03"].id), scope_text="B-01, A-03",
        note="Filters before the summer change-out"), by=storekeeper)
    for sku, bin_code, found in (("FLT-G4-595", "B-01", "20"), ("FLT-G4-595", "A-03", "3"),
                                 ("FLT-F7-592", "B-01", "6")):
        counts.count_item(filters, bins[bin_code], items[sku], Decimal(found), by=storekeeper)
    counts.approve(filters, uncounted="leave", by=supervisor)
    counts.start_count(store, counts.CountPlan(
        scope="bins", bin_ids=(bins["A-01"].id, bins["A-02"].id), scope_text="A-01, A-02",
        note="Cycle count: rack A"), by=storekeeper)
