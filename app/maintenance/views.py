"""The asset register: the list (search and filters), an asset's page (its parts, meters,
files, QR label), adding and editing assets, meters and readings, label sheets, and the
lists admins edit."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.core.attachments import attachments_for
from app.core.csv_import import check_or_import
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.models import utcnow
from app.core.pagination import keyset_page
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, render_page
from app.extensions import db
from app.maintenance import asset_import as importing_assets
from app.maintenance import bp, policy, preventive, queries, services
from app.maintenance.forms import (
    AssetEditForm,
    AssetFileForm,
    AssetForm,
    CodeEditForm,
    CodeForm,
    ImportForm,
    MeterForm,
    ReadingForm,
    SignOffForm,
)
from app.maintenance.models import (
    ASSET_STATUS_LABELS,
    ASSET_STATUSES,
    CALENDAR_UNIT_LABELS,
    CODE_KIND_LABELS,
    CODE_KINDS,
    CRITICALITIES,
    CRITICALITY_LABELS,
    EVERY_ONE_LABELS,
    WORK_TYPES,
    MaintenanceCode,
    WorkTypeRule,
)
from app.maintenance.work_order_views import WORK_LABELS
from app.sites import queries as site_queries
from app.sites.qr import absolute_url, qr_response

LABELS = {"status_labels": ASSET_STATUS_LABELS, "criticality_labels": CRITICALITY_LABELS}


# --- the list ------------------------------------------------------------------------------------

@bp.route("/assets/")
@requires("assets.view")
def assets():
    filters = {
        "search": text_arg("q"),
        "site_id": int_arg("site"),
        "location_id": int_arg("location"),
        "category_id": int_arg("category"),
        "status": text_arg("status") if text_arg("status") in ASSET_STATUSES else "",
        "criticality": text_arg("criticality") if text_arg("criticality") in CRITICALITIES
        else "",
    }
    order, key_of = queries.asset_order(filters["search"])
    page = keyset_page(queries.asset_list(current_user, **filters), *order, key_of=key_of)
    sites = db.session.execute(site_queries.site_options(current_user)).all()
    # the location menu: of the chosen site, or of the only one
    site_id = filters["site_id"] or (sites[0][0] if len(sites) == 1 else None)
    locations = [(place.id, f"{place.code} {place.name}") for place in db.session.scalars(
        site_queries.location_list(current_user, site_id=site_id))] if site_id else []
    return render_page("maintenance/assets.html", "asset_results", page=page, filters=filters,
                       sites=sites, locations=locations,
                       categories=queries.code_options("category"), statuses=ASSET_STATUSES,
                       criticalities=CRITICALITIES, **LABELS)


# --- an asset ------------------------------------------------------------------------------------

def _asset_page(asset, *, status=200, file_form=None, meter_form=None, reading_forms=None):
    meters = db.session.scalars(queries.meters_of(asset)).all()
    forms = reading_forms or {}
    return render_page(
        "maintenance/asset.html", asset=asset, ancestors=queries.ancestors_of(asset),
        children=db.session.scalars(queries.children_of(asset)).all(), meters=meters,
        files=db.session.scalars(attachments_for("asset", asset.id)).all(),
        file_form=file_form or AssetFileForm(formdata=None),
        meter_form=meter_form or MeterForm(formdata=None),
        reading_forms={m.id: forms.get(m.id) or ReadingForm(formdata=None, prefix=f"m{m.id}")
                       for m in meters},
        open_work=db.session.scalars(queries.work_of_asset(current_user, asset,
                                                           ended=False)).all(),
        past_work=db.session.scalars(queries.work_of_asset(current_user, asset, ended=True,
                                                           limit=10)).all(),
        plans=db.session.scalars(queries.plans_of_asset(asset)).all()
        if current_user.can("plans.view") else [],
        may_plan=policy.may_manage_plans(current_user, asset),
        unit_labels=CALENDAR_UNIT_LABELS, every_one_labels=EVERY_ONE_LABELS,
        today=utcnow().date(), **WORK_LABELS,
        may_manage=policy.may_manage(current_user, asset),
        may_read=policy.may_read_meters(current_user, asset),
        qr_url=asset_url(asset), number_text=services.number_text, status=status, **LABELS)


def asset_url(asset) -> str:
    return absolute_url("maintenance.asset", asset_uuid=asset.public_id)


@bp.route("/assets/<uuid:asset_uuid>")
@requires("assets.view")
def asset(asset_uuid):
    found = queries.get_asset(current_user, asset_uuid)
    # its plans' work that fell due, first (and the asset read again, if any was opened)
    if current_user.can("plans.view") and preventive.generate_on_read([found.site]):
        found = queries.get_asset(current_user, asset_uuid)
    return _asset_page(found)


@bp.route("/assets/new", methods=["GET", "POST"])
@requires("assets.manage")
@idempotent
def asset_new():
    sites, site = site_queries.chosen_site(current_user, int_arg("site"))
    if site is None:
        abort(404)
    form = AssetForm(site=site)
    if form.validate_on_submit() and (made := apply(form, services.create_asset, site,
                                                    form.fields(), by=current_user)):
        flash(_("Asset %(code)s added.", code=made.code), "success")
        return redirect(url_for("maintenance.asset", asset_uuid=made.public_id), 303)
    return form_page("maintenance/asset_form.html", form, form=form, site=site, sites=sites,
                     asset=None)


@bp.route("/assets/<uuid:asset_uuid>/edit", methods=["GET", "POST"])
@requires("assets.manage")
def asset_edit(asset_uuid):
    found = queries.get_asset(current_user, asset_uuid)
    form = AssetEditForm(site=found.site)
    if form.validate_on_submit():
        if apply(form, services.update_asset, found, form.fields(), by=current_user):
            flash(_("Asset saved."), "success")
            return redirect(url_for("maintenance.asset", asset_uuid=found.public_id), 303)
    elif not form.is_submitted():
        form.fill_from(found)
    return form_page("maintenance/asset_form.html", form, form=form, site=found.site,
                     sites=[], asset=found)


@bp.route("/assets/<uuid:asset_uuid>/files", methods=["POST"])
@requires("assets.manage")
@idempotent
def asset_file(asset_uuid):
    found = queries.get_asset(current_user, asset_uuid)
    form = AssetFileForm()
    if form.validate_on_submit() and apply(form, services.add_asset_file, found,
                                           form.file.data, field="file", by=current_user):
        flash(_("File added."), "success")
        return redirect(url_for("maintenance.asset", asset_uuid=found.public_id), 303)
    return _asset_page(found, status=422, file_form=form)


@bp.route("/assets/<uuid:asset_uuid>/qr.svg")
@requires("assets.view")
def asset_qr(asset_uuid):
    return qr_response(asset_url(queries.get_asset(current_user, asset_uuid)))


@bp.route("/labels")
@requires("assets.manage")
def labels():
    """A sheet of QR labels: a site's assets, or those of one of its locations."""
    sites, site = site_queries.chosen_site(current_user, int_arg("site"))
    if site is None:
        abort(404)
    locations = db.session.scalars(site_queries.location_list(current_user,
                                                              site_id=site.id)).all()
    location_id = int_arg("location") if int_arg("location") in {
        location.id for location in locations} else None
    found = db.session.scalars(queries.labelled_assets(current_user, site.id,
                                                       location_id)).all()
    return render_page("maintenance/labels.html", site=site, sites=sites, locations=locations,
                       location_id=location_id, assets=found)


@bp.route("/assets/import", methods=["GET", "POST"])
@requires("assets.manage")
@idempotent
def asset_import():
    """Assets from a CSV file: checked first (every bad row listed, nothing imported), then
    imported all at once."""
    sites, site = site_queries.chosen_site(current_user, int_arg("site"))
    if site is None:
        abort(404)
    form = ImportForm()
    sent = check_or_import(form, lambda text, dry_run: importing_assets.import_assets(
        site, text, dry_run=dry_run, by=current_user))
    if sent.imported:
        flash(ngettext("%(num)d asset imported.", "%(num)d assets imported.",
                       sent.report.imported), "success")
        return redirect(url_for("maintenance.assets", site=site.id), 303)
    return render_page("maintenance/import.html", form=form, site=site, sites=sites,
                       report=sent.report, csv_text=sent.text,
                       columns=importing_assets.COLUMNS,
                       status=422 if form.errors or sent.report and sent.report.problems
                       else 200)


# --- meters --------------------------------------------------------------------------------------

@bp.route("/assets/<uuid:asset_uuid>/meters", methods=["POST"])
@requires("assets.manage")
@idempotent
def meter_new(asset_uuid):
    found = queries.get_asset(current_user, asset_uuid)
    form = MeterForm()
    if form.validate_on_submit() and (meter := apply(
            form, services.add_meter, found, name=form.name.data, unit=form.unit.data,
            counting=form.counting.data, by=current_user)):
        flash(_("Meter %(name)s added.", name=meter.name), "success")
        return redirect(url_for("maintenance.asset", asset_uuid=found.public_id), 303)
    return _asset_page(found, status=422, meter_form=form)


@bp.route("/meters/<int:meter_id>")
@requires("assets.view")
def meter(meter_id: int):
    found = queries.get_meter(current_user, meter_id)
    return _meter_page(found)


def _meter_page(found, form=None, status=200):
    page = keyset_page(queries.readings_of(found), *queries.READING_ORDER)
    return render_page("maintenance/meter.html", "reading_results", meter=found, page=page,
                       form=form or ReadingForm(formdata=None, prefix=f"m{found.id}"),
                       may_read=policy.may_read_meters(current_user, found.asset),
                       number_text=services.number_text, status=status)


@bp.route("/meters/<int:meter_id>/readings", methods=["POST"])
@requires("meters.read")
@idempotent
def reading_new(meter_id: int):
    """A reading, from the asset's page or the meter's; a refused one comes back on the
    meter's page, with what was typed."""
    found = queries.get_meter(current_user, meter_id)  # at one of the user's sites, or 404
    form = ReadingForm(prefix=f"m{found.id}")
    if form.validate_on_submit() and apply(
            form, services.record_reading, found, form.value.data, is_reset=form.is_reset.data,
            note=form.note.data, by=current_user):
        flash(_("Reading saved: %(value)s %(unit)s.",
                value=services.number_text(form.value.data), unit=found.unit), "success")
        if text_arg("back") == "asset":
            return redirect(url_for("maintenance.asset", asset_uuid=found.asset.public_id), 303)
        return redirect(url_for("maintenance.meter", meter_id=found.id), 303)
    return _meter_page(found, form, status=422)


# --- the lists admins edit -----------------------------------------------------------------------

@bp.route("/lists")
@requires("maintenance.lists")
def lists():
    return _lists_page()


def _lists_page(add_forms=None, status=200):
    entries = {kind: db.session.scalars(queries.codes(kind, include_archived=True)).all()
               for kind in CODE_KINDS}
    forms = add_forms or {}
    signed = [kind for kind in WORK_TYPES if (rule := db.session.get(WorkTypeRule, kind))
              and rule.sign_off]
    return render_page("maintenance/lists.html", entries=entries, kinds=CODE_KINDS,
                       kind_labels=CODE_KIND_LABELS,
                       sign_off_form=SignOffForm(formdata=None, data={"kinds": signed}),
                       add_forms={kind: forms.get(kind) or CodeForm(formdata=None, prefix=kind)
                                  for kind in CODE_KINDS}, status=status)


@bp.route("/lists/<kind>", methods=["POST"])
@requires("maintenance.lists")
@idempotent
def list_add(kind: str):
    if kind not in CODE_KINDS:
        abort(404)
    form = CodeForm(prefix=kind)
    if form.validate_on_submit() and (entry := apply(
            form, services.add_code, kind, name=form.name.data, name_zh=form.name_zh.data,
            by=current_user)):
        flash(_("%(name)s added.", name=entry.name), "success")
        return redirect(url_for("maintenance.lists", _anchor=kind), 303)
    return _lists_page({kind: form}, status=422)


@bp.route("/lists/entries/<int:code_id>", methods=["GET", "POST"])
@requires("maintenance.lists")
def list_edit(code_id: int):
    entry = db.get_or_404(MaintenanceCode, code_id)
    form = CodeEditForm(obj=entry)
    if form.validate_on_submit() and apply(
            form, services.update_code, entry, name=form.name.data, name_zh=form.name_zh.data,
            active=form.active.data, hourly_rate=form.hourly_rate.data, by=current_user):
        flash(_("%(name)s saved.", name=entry.name), "success")
        return redirect(url_for("maintenance.lists", _anchor=entry.kind), 303)
    return form_page("maintenance/list_entry.html", form, form=form, entry=entry,
                     kind_labels=CODE_KIND_LABELS)
