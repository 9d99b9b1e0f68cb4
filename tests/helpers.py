"""Small helpers shared by the view tests."""

import html
import re
from io import BytesIO

from PIL import Image

from app.core import attachments
from app.extensions import db
from app.sites.models import Location
from tests.conftest import live


class Upload(BytesIO):
    """A werkzeug-like FileStorage for calling services directly."""

    def __init__(self, data: bytes, filename: str = "photo.jpg"):
        super().__init__(data)
        self.filename = filename


_HIDDEN_INPUT = re.compile(r'<input\b[^>]*\btype="hidden"[^>]*>')
_ATTRIBUTE = re.compile(r'\b(name|value)="([^"]*)"')


def hidden_fields(page: str, *names: str) -> dict[str, str]:
    """The hidden inputs of a page as its form sends them (the first of each name), only
    `names` when given (a page holds other forms too): the one helper for reading them."""
    fields = {}
    for tag in _HIDDEN_INPUT.findall(page):
        attributes = dict(_ATTRIBUTE.findall(tag))
        name = attributes.get("name")
        if name and (not names or name in names):
            fields.setdefault(name, html.unescape(attributes.get("value", "")))
    return fields


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 30, 30), exif=None) -> bytes:
    out = BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def add_photo(app, location: Location) -> str:
    """Attach a photo to a location; returns the attachment's public id."""
    with app.app_context():
        photo = attachments.save_image(Upload(image_bytes()), entity_type="location",
                                       entity_id=location.id, site_id=location.site_id, by=None)
        db.session.commit()
        return str(photo.public_id)


def first_location(app, site) -> Location:
    with app.app_context():
        return db.session.scalar(db.select(Location).where(Location.site_id == site.id)
                                 .order_by(Location.id))


def make_incident(app, site, reporter, *, severity="medium", type_code="equipment_failure",
                  description="Pump is leaking", location=None):
    """An incident reported through the service (reference, timeline, audit included)."""
    from datetime import datetime

    from app.auth.models import User
    from app.incidents import services
    from app.incidents.models import IncidentType
    from app.sites.models import Site

    with app.app_context():
        incident = services.report(
            site=db.session.get(Site, site.id),
            incident_type=db.session.scalar(db.select(IncidentType).filter_by(code=type_code)),
            severity=severity, occurred_at=datetime(2026, 11, 20, 8, 30),
            description=description, location=db.session.get(Location, location.id)
            if location else None, by=db.session.get(User, reporter.id))
        db.session.commit()
        return live(type(incident), incident.id)


def make_action(app, site, owner, *, by=None, title="Fit a drip tray", source=None, due=None):
    from datetime import date, timedelta

    from app.actions import services
    from app.auth.models import User

    with app.app_context():
        action = services.raise_action(
            source, site_id=site.id, title=title, owner=db.session.get(User, owner.id),
            due_date=due or date.today() + timedelta(days=7),
            by=db.session.get(User, by.id) if by else None)
        db.session.commit()
        return live(type(action), action.id)


def notify(app, user, kind="incident_assigned", **params):
    from app.auth.models import User
    from app.core import notifications
    from app.core.models import Notification

    with app.app_context():
        notifications.notify([db.session.get(User, user.id)], kind, link="/incidents/",
                             **(params or {"reference": "INC-2026-000001"}))
        db.session.commit()
        return db.session.scalar(db.select(Notification.id).order_by(Notification.id.desc()))


def make_request(app, site, **fields):
    """A customer request through the service; returns it and its status-link token."""
    from app.incidents import customer_requests
    from app.sites.models import Site

    with app.app_context():
        request_, token = customer_requests.submit_request(
            site=db.session.get(Site, site.id), kind=fields.get("kind", "request"),
            channel=fields.get("channel", "web"),
            description=fields.get("description", "The tap in the toilet drips"))
        db.session.commit()
        return live(type(request_), request_.id), token


def make_checklist(app, site, by, *, publish: bool = False) -> dict:
    """A checklist used at `site`: a draft with a section, a pass/fail question and a number
    question that follows it on "fail" (published when asked). Returns the records' ids."""
    from app.inspections import services
    from app.inspections.models import ResponseSet
    from app.sites.models import Site

    with app.test_request_context():
        by = db.session.get(type(by), by.id)
        template = services.create_template(title="Hygiene check", title_zh="卫生检查",
                                            all_sites=False, sites=[db.session.get(Site, site.id)],
                                            by=by)
        section = services.add_section(template.draft, title="Floors", by=by)
        floor = services.add_question(section, kind="pass_fail", prompt="Floor clean?", by=by)
        reading = services.add_question(section, kind="number", prompt="Fridge temperature",
                                        unit="°C", lower=0.0, upper=5.0,
                                        show_if_key=floor.key, show_if_value="fail", by=by)
        response_set = ResponseSet(name="Clean / dirty", choices=[
            {"value": "clean", "label": "Clean", "label_zh": "干净", "failure": False},
            {"value": "dirty", "label": "Dirty", "label_zh": "脏", "failure": True}])
        db.session.add(response_set)
        if publish:
            services.publish(template, change_note="First version", by=by)
        db.session.commit()
        return {"template_id": template.id, "version_id": template.versions[-1].id,
                "section_id": section.id, "question_id": reading.id,
                "set_id": response_set.id}


def make_inspection(app, site, by, template_id: int) -> dict:
    """An inspection of a published checklist at the site's first location, started by `by`;
    its id, the key of its first question and the number of that question's section."""
    from app.inspections import answers
    from app.inspections.models import ChecklistTemplate

    with app.test_request_context():
        by = db.session.get(type(by), by.id)
        location = db.session.scalar(db.select(Location).where(Location.site_id == site.id)
                                     .order_by(Location.id))
        template = db.session.get(ChecklistTemplate, template_id)
        inspection = answers.start(template, location, by=by)
        db.session.commit()
        return {"inspection_id": inspection.id, "key": template.published.questions[0].key,
                "section_number": 1}


def make_schedule(app, site, by, template_id: int, **fields) -> dict:
    """A round schedule of a published checklist at the site's first location: daily at
    08:00, due by 10:00, missed from 11:00, for every inspector of the site (unless `fields`
    say otherwise). Returns its id."""
    from datetime import date

    from app.inspections.models import ChecklistTemplate
    from app.rounds import services
    from app.sites.models import Site

    with app.test_request_context():
        by = db.session.get(type(by), by.id)
        site = db.session.get(Site, site.id)
        location = db.session.scalar(db.select(Location.id).where(Location.site_id == site.id)
                                     .order_by(Location.id))
        rule = services.RuleFields(**{
            "frequency": "daily", "times": ["08:00"], "weekdays": [], "month_day": None,
            "month_ordinal": None, "month_weekday": None, "window_minutes": 120,
            "grace_minutes": 60, "location_ids": [location], "assignee_id": None,
            "assignee_role": "inspector", "starts_on": date(2026, 1, 1), "ends_on": None,
            **fields})
        schedule = services.create_schedule(site, db.session.get(ChecklistTemplate,
                                                                 template_id), rule, by=by)
        db.session.commit()
        return {"schedule_id": schedule.id}


def make_asset(app, site, by, *, code: str | None = None, **fields) -> dict:
    """An asset at the site's first location, with a counting meter (run hours) and an asset
    category. Returns the keys routes name: asset_uuid, meter_id, code_id."""
    from app.maintenance import services
    from app.maintenance.models import MaintenanceCode
    from app.sites.models import Site

    with app.test_request_context():
        by = db.session.get(type(by), by.id)
        site = db.session.get(Site, site.id)
        category = db.session.scalar(db.select(MaintenanceCode).filter_by(
            kind="category", name="Pumps")) or services.add_code("category", name="Pumps",
                                                                  name_zh="泵", by=by)
        location = db.session.scalar(db.select(Location.id).where(Location.site_id == site.id)
                                     .order_by(Location.id))
        values = services.AssetFields(**{"code": code or f"PUMP-{site.code}", "name":
                                         "Feed pump", "category_id": category.id,
                                         "location_id": location, **fields})
        asset = services.create_asset(site, values, by=by)
        meter = services.add_meter(asset, name="Run hours", unit="h", counting=True, by=by)
        db.session.commit()
        return {"asset_uuid": asset.public_id, "meter_id": meter.id, "code_id": category.id}


def make_work_order(app, site, by, **fields) -> dict:
    """A fault report (a work order request) by `by` on a new asset of the site."""
    from app.maintenance import work_log, work_orders
    from app.maintenance.models import Asset

    records = make_asset(app, site, by, code=fields.pop("code", None))
    with app.test_request_context():
        reporter = db.session.get(type(by), by.id)
        asset = db.session.scalar(db.select(Asset).filter_by(public_id=records["asset_uuid"]))
        work_order = work_orders.report_fault(asset, description=fields.pop(
            "description", "Leaking seal"), by=reporter, **fields)
        task = work_log.add_task(work_order, text="Check the seal", by=reporter)
        db.session.commit()
        return {**records, "work_order_id": work_order.id, "task_id": task.id}


def make_plan(app, site, by, **fields) -> dict:
    """A monthly preventive maintenance plan, first due in a week, on a new asset of the site."""
    from datetime import timedelta

    from app.maintenance import preventive
    from app.maintenance.models import Asset

    records = make_asset(app, site, by, code=f"PM-{site.code}")
    with app.test_request_context():
        asset = db.session.scalar(db.select(Asset).filter_by(public_id=records["asset_uuid"]))
        values = preventive.PlanFields(**{
            "title": "Monthly service", "tasks": "Grease bearings", "every": 1,
            "every_unit": "month", "starts_on": preventive.site_today(asset.site) +
            timedelta(days=7), **fields})
        plan = preventive.create_plan(asset, values, by=db.session.get(type(by), by.id))
        db.session.commit()
        return {"plan_id": plan.id}


def make_stock(app, site, by, *, sku: str | None = None, on_hand: int = 0) -> dict:
    """A store at the site with bins A-01 and A-02, and an item (with `on_hand` received into
    A-01)."""
    from decimal import Decimal

    from app.stock import services as stock
    from app.stock.models import StockItem

    with app.test_request_context():
        user = db.session.get(type(by), by.id)
        sku = sku or f"ITEM-{site.code}"
        item = db.session.scalar(db.select(StockItem).filter_by(sku=sku)) or stock.create_item(
            stock.ItemFields(sku=sku, name="Bearing 6204", name_zh="轴承 6204",
                             category="Bearings", unit_cost=Decimal("12.50"),
                             reorder_point=Decimal("2")), by=user)
        store = stock.create_store(site, code=f"S{site.code}", name="Main store",
                                   allows_negative=False, by=user)
        bins = stock.create_bins(store, ["A-01", "A-02"], by=user)
        if on_hand:
            stock.receive(item, bins[0], Decimal(on_hand), by=user)
        db.session.commit()
        return {"item_id": item.id, "store_id": store.id, "bin_id": bins[0].id,
                "second_bin_id": bins[1].id, "sku": sku}


def make_part_request(app, records: dict, by) -> dict:
    """Parts asked for on the work order of `records` (make_work_order), of the item of
    `records` (make_stock), as if it were open work."""
    from decimal import Decimal

    from app.stock.models import PartRequest

    with app.app_context():
        from app.maintenance.models import WorkOrder

        work_order = db.session.get(WorkOrder, records["work_order_id"])
        asked = PartRequest(work_order_id=work_order.id, site_id=work_order.site_id,
                            item_id=records["item_id"], quantity=Decimal("1"),
                            requested_by_id=by.id)
        db.session.add(asked)
        db.session.commit()
        return {"part_request_id": asked.id}


def make_purchase(app, records: dict, by) -> dict:
    """A purchase request of the item of `records` (make_stock) for its store, waiting."""
    from decimal import Decimal

    from app.stock import purchasing
    from app.stock.models import StockItem, Store

    with app.test_request_context():
        store = db.session.get(Store, records["store_id"])
        request = purchasing.request_purchase(
            store, [(db.session.get(StockItem, records["item_id"]), Decimal("5"))],
            reason="Running low", by=db.session.get(type(by), by.id))
        db.session.commit()
        return {"purchase_id": request.id}


def make_count(app, records: dict, by) -> dict:
    """A stocktake of the whole store of `records` (make_stock), started and counting."""
    from app.stock import counts
    from app.stock.models import Store

    with app.test_request_context():
        store = db.session.get(Store, records["store_id"])
        count = counts.start_count(store, counts.CountPlan(), by=db.session.get(type(by), by.id))
        db.session.commit()
        return {"count_id": count.id}
