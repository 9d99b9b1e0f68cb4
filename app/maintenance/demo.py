"""Demo equipment: the lists admins edit, and the assets of the two demo sites (a chiller
plant with its pumps at Riverside Plaza, forklifts at Harbour Logistics), with meters."""

import zlib
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.maintenance import services
from app.maintenance.services import AssetFields
from app.sites.models import Location

LISTS = {
    "category": [("HVAC", "暖通空调"), ("Pumps", "泵"), ("Electrical", "电气"),
                 ("Fire safety", "消防"), ("Vehicles", "车辆")],
    "failure": [("Leak", "泄漏"), ("No power", "无电"), ("Noise or vibration", "异响或振动"),
                ("Overheating", "过热"), ("Does not start", "无法启动")],
    "cause": [("Worn part", "零件磨损"), ("Lack of lubrication", "缺乏润滑"),
              ("Electrical fault", "电气故障"), ("Misuse", "使用不当")],
    "remedy": [("Replaced part", "更换零件"), ("Adjusted", "调整"), ("Cleaned", "清洁"),
               ("Lubricated", "润滑")],
}

# site index -> (code, name, category, location code, parent code, criticality, make, model,
# meter (name, unit, counting, reading) or None)
ASSETS = {
    0: [("CH-01", "Chiller 1 冷水机组", "HVAC", "PR-01", "", "A", "Carrier", "30XW",
         ("Run hours", "h", True, "18250")),
        ("CH-01-P1", "Chilled water pump 1", "Pumps", "PR-01", "CH-01", "A", "Grundfos",
         "NKG 150", ("Run hours", "h", True, "9120")),
        ("CH-01-P2", "Chilled water pump 2", "Pumps", "PR-01", "CH-01", "B", "Grundfos",
         "NKG 150", None),
        ("BLR-01", "Boiler 1 锅炉", "HVAC", "PR-02", "", "A", "Viessmann", "Vitoplex 200",
         ("Pressure", "bar", False, "1.8")),
        ("FP-01", "Fire pump 消防泵", "Fire safety", "PR-04", "", "A", "Kaiquan", "XBD",
         None),
        ("SWB-01", "Main switchboard", "Electrical", "PR-03", "", "A", "Schneider",
         "Prisma P", None),
        ("EV-01", "EV charger bay 1", "Electrical", "CP-02", "", "C", "TELD", "60 kW",
         ("Sessions", "cycles", True, "4312"))],
    1: [("FL-01", "Forklift 1 叉车", "Vehicles", "WS-01", "", "B", "Linde", "E20",
         ("Run hours", "h", True, "6410")),
        ("FL-02", "Forklift 2 叉车", "Vehicles", "WS-01", "", "B", "Linde", "E20",
         ("Run hours", "h", True, "5988")),
        ("CS-01", "Cold store refrigeration", "HVAC", "WA-03", "", "A", "Bitzer", "CSH",
         ("Temperature", "°C", False, "-18.5"))],
}


def _serial(make: str, code: str) -> str:
    """A serial number that looks like one, the same on every run."""
    return f"{make[:3].upper()}{zlib.crc32(code.encode()) % 10**6:06d}"


def seed_work(site, reporter, supervisor, technician) -> None:
    """A fault waiting for approval, and open work in the technician's My work."""
    from app.maintenance import work_log, work_orders
    from app.maintenance.models import Asset

    def asset(code: str) -> Asset:
        return db.session.scalar(select(Asset).filter_by(code=f"{site.code}-{code}"))

    work_orders.report_fault(asset("CH-01-P2"), description="Pump 2 is noisy and vibrates "
                             "when it starts (水泵启动时有异响)", by=reporter)
    fault = work_orders.report_fault(asset("BLR-01"), description="Boiler pressure drops "
                                     "below 1 bar overnight", asset_down=False, by=reporter)
    work_orders.approve(fault, kind="corrective", priority=2, assignee_ids=[technician.id],
                        due_on=None, skill_id=None, by=supervisor)
    for task in ("Check the expansion vessel", "Look for leaks at the valves",
                 "Read the pressure after an hour"):
        work_log.add_task(fault, text=task, by=supervisor)
    seed_plans(site, asset, supervisor)


def seed_plans(site, asset, supervisor) -> None:
    """Preventive maintenance: a monthly service due today (its work order opens now), a
    weekly fire pump run, and a chiller service every 500 run hours or 3 months."""
    from app.maintenance import preventive
    from app.maintenance.models import Meter

    today = preventive.site_today(site)
    chiller = asset("CH-01")
    if chiller is None:  # the second demo site has no chiller plant
        return
    run_hours = db.session.scalar(select(Meter).filter_by(asset_id=chiller.id))
    plans = [
        (asset("CH-01-P1"), preventive.PlanFields(
            title="Monthly pump service 水泵月度保养", tasks="Check the seal for leaks\n"
            "Grease the bearings\nRecord the vibration", every=1, every_unit="month",
            starts_on=today, estimated_minutes=90)),
        (asset("FP-01"), preventive.PlanFields(
            title="Weekly fire pump run 消防泵每周试运行", tasks="Run for 10 minutes\n"
            "Record the discharge pressure", every=1, every_unit="week",
            starts_on=today + timedelta(days=2), estimated_minutes=30, priority=2)),
        (chiller, preventive.PlanFields(
            title="Chiller service 冷水机组保养", tasks="Clean the condenser tubes\n"
            "Check the refrigerant charge", every=3, every_unit="month", fixed=False,
            starts_on=today + timedelta(days=40), meter_id=run_hours.id,
            meter_every=Decimal(500), lead_units=Decimal(50), estimated_minutes=240)),
    ]
    for target, values in plans:
        preventive.create_plan(target, values, by=supervisor)


def seed_equipment(sites: list, admin, technician) -> None:
    categories = {}
    for kind, entries in LISTS.items():
        for name, name_zh in entries:
            code = services.add_code(kind, name=name, name_zh=name_zh, by=admin)
            if kind == "category":
                categories[name] = code.id
    for index, assets in ASSETS.items():
        if index >= len(sites):
            continue
        site = sites[index]
        places = dict(db.session.execute(select(Location.code, Location.id).where(
            Location.site_id == site.id)).all())
        for (code, name, category, place, parent, criticality, make, model,
             meter) in assets:
            asset = services.create_asset(site, AssetFields(
                code=f"{site.code}-{code}", name=name, category_id=categories[category],
                location_id=places.get(place), parent_code=f"{site.code}-{parent}"
                if parent else "", criticality=criticality, make=make, model=model,
                serial_number=_serial(make, code)), by=admin)
            if meter:
                meter_name, unit, counting, value = meter
                made = services.add_meter(asset, name=meter_name, unit=unit,
                                          counting=counting, by=admin)
                services.record_reading(made, Decimal(value), by=technician)
