"""Stock pages: the item list and an item's page, items added and edited; stores and their
bins; the screens that receive, issue, return, transfer and adjust stock, one line per
request; a code nobody knew attached to an item."""

from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.attachments import attachments_for
from app.core.forms import apply
from app.core.idempotency import idempotent
from app.core.pagination import keyset_page
from app.core.params import int_arg, text_arg
from app.core.permissions import requires
from app.core.render import form_page, is_fragment_request, render_page
from app.extensions import db
from app.sites import queries as site_queries
from app.sites.qr import qr_response
from app.stock import bp, part_requests, purchasing, queries, services
from app.stock.forms import (
    AdjustForm,
    AttachCodeForm,
    BinForm,
    IssueForm,
    ItemEditForm,
    ItemForm,
    ItemPhotoForm,
    ReceiveForm,
    ReturnForm,
    StoreEditForm,
    StoreForm,
    TransferForm,
)
from app.stock.models import ADJUST_REASON_LABELS, MOVEMENT_LABELS, StockBin
from app.stock.queries import select_bin
from app.stock.services import quantity_text, signed_quantity

BINS_PAGE = 50  # a store's bins per page, by code
HISTORY_PAGE = 25  # an item's movements per page, newest first
LABELS = {"movement_labels": MOVEMENT_LABELS, "reason_labels": ADJUST_REASON_LABELS,
          "quantity_text": quantity_text, "signed_quantity": signed_quantity}


# --- items ---------------------------------------------------------------------------------------

@bp.route("/")
@requires("stock.view")
def items():
    filters = {"search": text_arg("q"), "category": text_arg("category", 60),
               "low": text_arg("low") == "1", "archived": text_arg("archived") == "1"}
    order, key_of = queries.item_order(filters["search"])
    # what is low is found item by item (its on hand at my sites): not counted
    page = keyset_page(queries.item_list(current_user, **filters), *order, key_of=key_of,
                       counted=not filters["low"])
    on_hand = queries.on_hand_of(current_user, [item.id for item in page.items])
    return render_page("stock/items.html", "item_results", page=page, filters=filters,
                       on_hand=on_hand,
                       category_options=[(name, name) for name in queries.categories()],
                       **LABELS)


@bp.route("/items/new", methods=["GET", "POST"])
@requires("stock.manage")
@idempotent
def item_new():
    form = ItemForm()
    if request.method == "GET" and text_arg("code", 64):  # from a scan nobody knew
        form.barcodes.data = text_arg("code", 64)
    if form.validate_on_submit() and (made := apply(form, services.create_item, form.fields(),
                                                    by=current_user)):
        flash(_("Item %(sku)s added.", sku=made.sku), "success")
        return redirect(url_for("stock.item", item_id=made.id), 303)
    return form_page("stock/item_form.html", form, form=form, item=None,
                     categories=queries.categories())


@bp.route("/items/<int:item_id>")
@requires("stock.view")
def item(item_id):
    return _item_page(queries.get_item(item_id))


def _item_page(found, photo_form=None):
    page = keyset_page(queries.movements_of(current_user, found), *queries.MOVEMENT_ORDER,
                       per_page=HISTORY_PAGE, counted=False)
    if is_fragment_request():  # the next page of movements
        return render_page("stock/item.html", "item_movements", item=found, page=page,
                           **LABELS)
    balances = db.session.execute(queries.balances_of(current_user, found)).all()
    return form_page("stock/item.html", photo_form, item=found, balances=balances,
                     on_hand=sum(balance.quantity for balance, _bin, _store in balances),
                     photos=db.session.scalars(attachments_for("stockitem", found.id)).all(),
                     photo_form=photo_form or ItemPhotoForm(formdata=None), page=page,
                     **LABELS)


@bp.route("/items/<int:item_id>/used")
@requires("stock.view")
def item_used(item_id):
    """The work orders an item was issued to lately: a fragment the item's page loads after
    itself (a page without JavaScript)."""
    found = queries.get_item(item_id)
    return render_page("stock/item_used.html", "item_used", item=found,
                       used=db.session.execute(queries.used_on(current_user, found)).all(),
                       **LABELS)


@bp.route("/items/<int:item_id>/photos", methods=["POST"])
@requires("stock.manage")
@idempotent
def item_photo(item_id):
    found = queries.get_item(item_id)
    form = ItemPhotoForm()
    if form.validate_on_submit() and apply(form, services.add_item_photo, found,
                                           form.photo.data, field="photo", by=current_user):
        flash(_("Photo added."), "success")
        return redirect(url_for("stock.item", item_id=found.id), 303)
    return _item_page(found, form)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@requires("stock.manage")
def item_edit(item_id):
    found = queries.get_item(item_id, lock=True)
    form = ItemEditForm()
    if request.method == "GET":
        form.fill_from(found)
    if form.validate_on_submit() and apply(form, services.update_item, found, form.fields(),
                                           by=current_user):
        flash(_("Item %(sku)s saved.", sku=found.sku), "success")
        return redirect(url_for("stock.item", item_id=found.id), 303)
    return form_page("stock/item_form.html", form, form=form, item=found,
                     categories=queries.categories())


@bp.route("/codes/attach", methods=["GET", "POST"])
@requires("stock.manage")
def attach_code():
    """A scanned code that found nothing: attached to an existing item (or a new one)."""
    form = AttachCodeForm()
    if request.method == "GET":
        form.code.data = text_arg("code", 64)
    if form.validate_on_submit() and apply(form, services.attach_code, form.item_record,
                                           form.code.data, by=current_user):
        flash(_("Scanning %(code)s now finds %(sku)s.", code=form.code.data.strip(),
                sku=form.item_record.sku), "success")
        return redirect(url_for("stock.item", item_id=form.item_record.id), 303)
    return form_page("stock/attach_code.html", form, form=form)


# --- stores and bins -----------------------------------------------------------------------------

@bp.route("/stores/")
@requires("stock.view")
def stores():
    found = db.session.scalars(queries.store_list(current_user, include_archived=True)).all()
    return render_page("stock/stores.html", stores=found)


@bp.route("/stores/new", methods=["GET", "POST"])
@requires("stock.manage")
@idempotent
def store_new():
    sites, site = site_queries.chosen_site(current_user, int_arg("site"))
    form = StoreForm()
    if site is not None and form.validate_on_submit() and (made := apply(
            form, services.create_store, site, code=form.code.data, name=form.name.data,
            allows_negative=bool(form.allows_negative.data), by=current_user)):
        flash(_("Store %(code)s added.", code=made.code), "success")
        return redirect(url_for("stock.store", store_id=made.id), 303)
    return form_page("stock/store_form.html", form, form=form, site=site, sites=sites)


@bp.route("/stores/<int:store_id>/edit", methods=["GET", "POST"])
@requires("stock.manage")
def store_edit(store_id: int):
    found = queries.get_store(current_user, store_id)
    form = StoreEditForm(obj=found)
    if form.validate_on_submit() and apply(
            form, services.update_store, found, name=form.name.data,
            allows_negative=bool(form.allows_negative.data), active=bool(form.active.data),
            by=current_user):
        flash(_("Store %(code)s saved.", code=found.code), "success")
        return redirect(url_for("stock.store", store_id=found.id), 303)
    return form_page("stock/store_form.html", form, form=form, store=found,
                     site=found.site, sites=[found.site])


def _store_page(store, bin_form=None):
    page = keyset_page(queries.bins_of(store), *queries.BIN_ORDER, per_page=BINS_PAGE)
    return form_page("stock/store.html", bin_form, store=store, page=page,
                     items_in=queries.items_in_bins([bin_.id for bin_ in page.items]),
                     bin_form=bin_form or BinForm(formdata=None))


@bp.route("/stores/<int:store_id>")
@requires("stock.view")
def store(store_id):
    return _store_page(queries.get_store(current_user, store_id))


@bp.route("/stores/<int:store_id>/bins", methods=["POST"])
@requires("stock.manage")
@idempotent
def bin_new(store_id):
    found = queries.get_store(current_user, store_id)
    form = BinForm()
    if form.validate_on_submit() and (made := apply(
            form, services.create_bins, found, (form.codes.data or "").splitlines(),
            name=form.name.data or "", by=current_user)):
        flash(_("%(num)d bins added.", num=len(made)) if len(made) > 1 else
              _("Bin %(code)s added.", code=made[0].code), "success")
        return redirect(url_for("stock.store", store_id=found.id), 303)
    return _store_page(found, form)


MAX_LABELS = 1000  # a sheet of a store's bins (its racks are rarely more)


@bp.route("/stores/<int:store_id>/labels")
@requires("stock.manage")
def labels(store_id: int):
    """A sheet of QR labels, one per bin: each holds the bin's code, as the screens scan it."""
    found = queries.get_store(current_user, store_id)
    bins = db.session.scalars(queries.bins_of(found).where(StockBin.active)
                              .limit(MAX_LABELS)).all()
    return render_page("stock/labels.html", store=found, bins=bins)


@bp.route("/stores/<int:store_id>/bins/<int:bin_id>/qr")
@requires("stock.view")
def bin_qr(store_id: int, bin_id: int):
    found = queries.get_store(current_user, store_id)
    bin_ = db.session.scalar(select_bin(found, bin_id))
    if bin_ is None:
        abort(404)
    return qr_response(bin_.code)


# --- moving stock: one screen per kind, one line per request -------------------------------------

@dataclass(frozen=True)
class Screen:
    form: type
    service: object
    kinds: tuple[str, ...]
    title: object
    button: object
    saved: object  # the flash of a line saved without JavaScript


SCREENS = {
    "receive": Screen(ReceiveForm, purchasing.receive_line, ("receipt",),
                      _l("Receive stock"), _l("Receive"), _l("Received.")),
    "issue": Screen(IssueForm, part_requests.issue_line, ("issue",), _l("Issue stock"),
                    _l("Issue"), _l("Issued.")),
    "give_back": Screen(ReturnForm, services.return_stock, ("return",), _l("Return stock"),
                        _l("Return"), _l("Returned.")),
    "transfer": Screen(TransferForm, services.transfer, ("transfer_out", "transfer_in"),
                       _l("Move stock"), _l("Move"), _l("Moved.")),
    "adjust": Screen(AdjustForm, services.adjust, ("adjustment",), _l("Adjust stock"),
                     _l("Adjust"), _l("Adjusted.")),
}


def _move_screen(store_id: int, kind: str):
    found = queries.get_store(current_user, store_id)
    screen = SCREENS[kind]
    extra = {"user": current_user} if kind == "transfer" else {}
    form = screen.form(store=found, **extra)
    saved = None
    if form.validate_on_submit() and (made := apply(form, screen.service, **form.details(),
                                                    by=current_user)):
        saved = made[0] if isinstance(made, tuple) else made
        against = _against(form)
        if not request.htmx:
            flash(str(screen.saved), "success")
            return redirect(url_for(f"stock.{kind}", store_id=found.id, bin=form.bin.data,
                                    **against), 303)
        kept_bin = form.bin.data
        form = screen.form(formdata=None, store=found, **extra)  # the next line, same bin
        form.bin.data = kept_bin
        _receiving_against(form, against.get("purchase"), found)
    elif request.method == "GET":
        form.bin.data = text_arg("bin", 40)
        asked = queries.open_request(text_arg("request", 12), found.site_id) \
            if kind == "issue" and text_arg("request", 12) else None
        if asked is not None:  # from the list of parts asked for
            form.fill_from_request(asked)
        if kind == "receive":
            _receiving_against(form, text_arg("purchase", 12), found)
    # the saved lines of the page (a line saved with htmx is added to them out of band)
    lines = [] if is_fragment_request() else db.session.scalars(
        queries.recent_movements(current_user, found, screen.kinds)).all()
    return form_page("stock/move.html", form, fragment="move_form", store=found, form=form,
                     kind=kind, screen=screen, saved=saved, lines=lines, **LABELS)


def _against(form) -> dict:
    """What the next line of a receive screen is received against still (its purchase)."""
    purchase = getattr(form, "purchase_record", None)  # receive screens only
    return {"purchase": purchase.id} if purchase is not None and \
        purchase.status == "approved" else {}


def _receiving_against(form, purchase_id, store) -> None:
    """A receive screen opened from an approved purchase request: its lines to come."""
    purchase = queries.approved_purchase(purchase_id, store.id) if purchase_id else None
    if purchase is not None:
        form.purchase.data = str(purchase.id)
        form.purchase_record = purchase
        form.reference.data = purchase.reference


def _screen_view(kind: str):
    def view(store_id: int):
        return _move_screen(store_id, kind)

    view.__name__ = kind
    return requires("stock.move")(idempotent(view))


# endpoint (stock.receive ...) -> its path under the store
SCREEN_PATHS = {"receive": "receive", "issue": "issue", "give_back": "return",
                "transfer": "transfer", "adjust": "adjust"}
for _kind, _path in SCREEN_PATHS.items():
    bp.add_url_rule(f"/stores/<int:store_id>/{_path}", _kind, _screen_view(_kind),
                    methods=["GET", "POST"])
