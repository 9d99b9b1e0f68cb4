"""Reads of the asset register, each scoped to the user's sites."""

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core.db import for_change
from app.core.scoping import scope
from app.core.search import list_order, search_in
from app.extensions import db
from app.maintenance.models import Asset, MaintenanceCode, Meter, MeterReading

# The list's order: by code (unique), served by the code's unique index, or within a site by
# ix_asset_site_code.
ASSET_ORDER = (Asset.code.asc(), Asset.id.asc())


def asset_order(search: str = "") -> tuple[tuple, object]:
    return list_order("fts_asset", search, ASSET_ORDER)


def asset_list(user, *, search="", site_id=None, location_id=None, category_id=None,
               status="", criticality=""):
    statement = (select(Asset).options(joinedload(Asset.site), joinedload(Asset.location),
                                       joinedload(Asset.category))
                 .order_by(*ASSET_ORDER))
    if search:  # code, name, serial number, barcode, make and model (core.search)
        statement = search_in(statement, Asset.id, "fts_asset", search)
    for column, value in ((Asset.site_id, site_id), (Asset.location_id, location_id),
                          (Asset.category_id, category_id), (Asset.status, status),
                          (Asset.criticality, criticality)):
        if value:
            statement = statement.where(column == value)
    return scope(statement, user, Asset.site_id)


def get_asset(user, public_id) -> Asset:
    """The asset, or 404 when there is none or it is at a site the user is not assigned to."""
    statement = (select(Asset).where(Asset.public_id == public_id)
                 .options(joinedload(Asset.site), joinedload(Asset.location),
                          joinedload(Asset.category), joinedload(Asset.parent)))
    asset = db.session.scalar(for_change(scope(statement, user, Asset.site_id)))
    if asset is None:
        abort(404)
    return asset


def asset_by_code(code: str, site_id: int | None = None):
    statement = select(Asset).where(Asset.code == (code or "").strip().upper())
    return statement.where(Asset.site_id == site_id) if site_id else statement


def asset_by_barcode(barcode: str):
    return select(Asset).where(Asset.barcode == (barcode or "").strip())


def children_of(asset: Asset):
    return (select(Asset).options(joinedload(Asset.location))
            .where(Asset.parent_id == asset.id).order_by(Asset.code))


def assets_at(user, location_id: int, limit: int = 10):
    return scope(select(Asset).where(Asset.location_id == location_id)
                 .order_by(Asset.code).limit(limit), user, Asset.site_id)


def ancestors_of(asset: Asset, limit: int = 20) -> list[Asset]:
    """The assets this one is part of, nearest first (a hierarchy is a few levels deep)."""
    found, current = [], asset.parent
    while current is not None and len(found) < limit:
        found.append(current)
        current = current.parent
    return found


def meters_of(asset: Asset):
    return select(Meter).where(Meter.asset_id == asset.id).order_by(Meter.name, Meter.id)


def get_meter(user, meter_id: int) -> Meter:
    statement = (select(Meter).join(Asset, Asset.id == Meter.asset_id)
                 .options(joinedload(Meter.asset).joinedload(Asset.site))
                 .where(Meter.id == meter_id))
    meter = db.session.scalar(for_change(scope(statement, user, Asset.site_id)))
    if meter is None:
        abort(404)
    return meter


READING_ORDER = (MeterReading.read_at.desc(), MeterReading.id.desc())


def readings_of(meter: Meter):
    """A meter's readings, newest first (served by ix_meter_reading_meter_read)."""
    return (select(MeterReading).options(joinedload(MeterReading.read_by))
            .where(MeterReading.meter_id == meter.id).order_by(*READING_ORDER))


def codes(kind: str, *, include_archived: bool = False):
    statement = (select(MaintenanceCode).where(MaintenanceCode.kind == kind)
                 .order_by(MaintenanceCode.position, MaintenanceCode.name))
    return statement if include_archived else statement.where(MaintenanceCode.active)


def code_options(kind: str) -> list[tuple[int, str]]:
    return [(code.id, code.label) for code in db.session.scalars(codes(kind))]


def labelled_assets(user, site_id: int, location_id: int | None = None):
    statement = (select(Asset).options(joinedload(Asset.location))
                 .where(Asset.site_id == site_id, Asset.status != "retired")
                 .order_by(Asset.code))
    if location_id:
        statement = statement.where(Asset.location_id == location_id)
    return scope(statement, user, Asset.site_id)
