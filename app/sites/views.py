from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.attachments import attachments_for
from app.core.forms import PhotoForm, apply
from app.core.idempotency import idempotent
from app.core.pagination import paginate
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, render_page
from app.extensions import db
from app.sites import bp, queries, services
from app.sites.forms import AreaEditForm, AreaForm, LocationEditForm, LocationForm, SiteForm
from app.sites.panels import location_panels
from app.sites.qr import location_url, qr_response


@bp.route("/")
@requires("sites.view")
def index():
    page = paginate(queries.site_summaries(current_user), rows=True)
    return render_page("sites/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@requires("sites.create")
@idempotent
def site_new():
    form = SiteForm()
    if form.validate_on_submit() and (site := apply(
            form, services.create_site, name=form.name.data, code=form.code.data,
            address=form.address.data, timezone=form.timezone.data, by=current_user)):
        flash(_("Site %(name)s added.", name=site.name), "success")
        return redirect(url_for("sites.site_detail", site_id=site.id), 303)
    return form_page("sites/site_form.html", form, form=form, site=None)


@bp.route("/<int:site_id>")
@requires("sites.view")
def site_detail(site_id: int):
    site = queries.get_site(current_user, site_id)
    return _site_page(site, AreaForm(formdata=None))


def _site_page(site, area_form, status: int = 200):
    include_archived = request.args.get("archived") == "1"
    areas = db.session.scalars(queries.areas_of(site, include_archived=include_archived)).all()
    locations = db.session.scalars(queries.location_list(current_user, site_id=site.id)).all()
    by_area: dict[int, list] = {}
    for location in locations:
        by_area.setdefault(location.area_id, []).append(location)
    return render_page("sites/site.html", site=site, areas=areas, by_area=by_area,
                       area_form=area_form, include_archived=include_archived, status=status)


@bp.route("/<int:site_id>/edit", methods=["GET", "POST"])
@requires("sites.manage")
def site_edit(site_id: int):
    site = queries.get_site(current_user, site_id)
    form = SiteForm(obj=site)
    if form.validate_on_submit() and apply(
            form, services.update_site, site, name=form.name.data, code=form.code.data,
            address=form.address.data, timezone=form.timezone.data, by=current_user):
        flash(_("Site saved."), "success")
        return redirect(url_for("sites.site_detail", site_id=site.id), 303)
    return form_page("sites/site_form.html", form, form=form, site=site)


@bp.route("/<int:site_id>/areas", methods=["POST"])
@requires("sites.manage")
@idempotent
def area_new(site_id: int):
    site = queries.get_site(current_user, site_id)
    form = AreaForm()
    if form.validate_on_submit() and (area := apply(
            form, services.create_area, site, name=form.name.data, by=current_user)):
        flash(_("Area %(name)s added.", name=area.name), "success")
        return redirect(url_for("sites.site_detail", site_id=site.id), 303)
    return _site_page(site, form, status=422)


@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
@requires("sites.manage")
def area_edit(area_id: int):
    area = queries.get_area(current_user, area_id)
    form = AreaEditForm(obj=area)
    if form.validate_on_submit() and apply(
            form, services.update_area, area, name=form.name.data, active=form.active.data,
            by=current_user):
        flash(_("Area saved."), "success")
        return redirect(url_for("sites.site_detail", site_id=area.site_id), 303)
    return form_page("sites/area_form.html", form, form=form, area=area)


@bp.route("/locations")
@requires("sites.view")
def locations():
    filters = {
        "search": text_arg("q"),
        "site_id": int_arg("site"),
        "archived": request.args.get("archived") == "1",
    }
    page = paginate(queries.location_list(current_user, **filters))
    sites = db.session.execute(queries.site_options(current_user)).all()
    return render_page("sites/locations.html", "location_results", page=page,
                       filters=filters, sites=sites)


def _area_choices(site, current=None):
    """Areas in use, plus the location's own area even when archived (so an edit keeps it)."""
    choices = [(area.id, area.name) for area in db.session.scalars(queries.areas_of(site))]
    if current is not None and current.id not in {area_id for area_id, _ in choices}:
        choices.append((current.id, current.name))
    return choices


@bp.route("/<int:site_id>/locations/new", methods=["GET", "POST"])
@requires("sites.manage")
@idempotent
def location_new(site_id: int):
    site = queries.get_site(current_user, site_id)
    form = LocationForm(area=int_arg("area"))
    form.area.choices = _area_choices(site)
    if not form.area.choices:
        flash(_("Add an area to this site first."), "warning")
        return redirect(url_for("sites.site_detail", site_id=site.id), 303)
    if form.validate_on_submit() and (location := apply(
            form, services.create_location, site,
            area=queries.get_area(current_user, form.area.data), name=form.name.data,
            code=form.code.data, notes=form.notes.data, by=current_user)):
        flash(_("Location %(code)s added.", code=location.code), "success")
        return redirect(url_for("sites.location_detail", public_id=location.public_id), 303)
    return form_page("sites/location_form.html", form, form=form, site=site, location=None)


@bp.route("/locations/<uuid:public_id>")
@requires("sites.view")
def location_detail(public_id):
    location = queries.get_location(current_user, public_id)
    photos = db.session.scalars(attachments_for("location", location.id)).all()
    return render_page("sites/location.html", location=location, photos=photos,
                       photo_form=PhotoForm(formdata=None), panels=location_panels(location),
                       qr_url=location_url(location))


@bp.route("/locations/<uuid:public_id>/edit", methods=["GET", "POST"])
@requires("sites.manage")
def location_edit(public_id):
    location = queries.get_location(current_user, public_id)
    form = LocationEditForm(data={
        "area": location.area_id, "name": location.name, "code": location.code,
        "notes": location.notes, "active": location.active})
    form.area.choices = _area_choices(location.site, current=location.area)
    if form.validate_on_submit() and apply(
            form, services.update_location, location,
            area=queries.get_area(current_user, form.area.data), name=form.name.data,
            code=form.code.data, notes=form.notes.data, active=form.active.data,
            by=current_user):
        flash(_("Location saved."), "success")
        return redirect(url_for("sites.location_detail", public_id=location.public_id), 303)
    return form_page("sites/location_form.html", form, form=form, site=location.site,
                     location=location)


@bp.route("/locations/<uuid:public_id>/photos", methods=["POST"])
@requires("locations.photo")
@idempotent
def location_photo(public_id):
    location = queries.get_location(current_user, public_id)
    form = PhotoForm()
    if form.validate_on_submit() and apply(form, services.add_location_photo, location,
                                           form.photo.data, field="photo", by=current_user):
        flash(_("Photo added."), "success")
        return redirect(url_for("sites.location_detail", public_id=location.public_id), 303)
    photos = db.session.scalars(attachments_for("location", location.id)).all()
    return render_page("sites/location.html", location=location, photos=photos,
                       photo_form=form, panels=location_panels(location),
                       qr_url=location_url(location), status=422)


@bp.route("/locations/<uuid:public_id>/qr.svg")
@requires("sites.view")
def location_qr(public_id):
    return qr_response(location_url(queries.get_location(current_user, public_id)))


@bp.route("/<int:site_id>/labels")
@requires("sites.manage")
def labels(site_id: int):
    site = queries.get_site(current_user, site_id)
    area_id = int_arg("area")
    locations = db.session.scalars(
        queries.location_list(current_user, site_id=site.id, area_id=area_id)).all()
    areas = db.session.scalars(queries.areas_of(site)).all()
    return render_page("sites/labels.html", site=site, locations=locations, areas=areas,
                       area_id=area_id)
