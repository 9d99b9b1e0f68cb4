"""Record rules of the asset register: who may open an asset (and its files), who may change
it, who may record a meter reading."""

from app.core.attachments import register_access
from app.core.permissions import user_can
from app.extensions import db
from app.maintenance.models import Asset, WorkOrder


def can_open(user, asset: Asset) -> bool:
    """Everyone signed in at the asset's site (a fault is reported from its page)."""
    return user.can_see_site(asset.site_id)


def may_manage(user, asset: Asset) -> bool:
    return user_can(user, "assets.manage") and user.can_see_site(asset.site_id)


def may_read_meters(user, asset: Asset) -> bool:
    return user_can(user, "meters.read") and user.can_see_site(asset.site_id)


def may_open_asset_file(user, attachment) -> bool:
    asset = db.session.get(Asset, attachment.entity_id)
    return asset is not None and can_open(user, asset)


register_access("asset", may_open_asset_file)


def may_manage_plans(user, asset: Asset) -> bool:
    """Add, change, pause and copy the asset's preventive maintenance plans."""
    return user_can(user, "plans.manage") and user.can_see_site(asset.site_id)


# --- work orders ---------------------------------------------------------------------------------

def sees_all_work(user) -> bool:
    """Managers and technicians see every work order of their sites; anyone else the fault
    reports they made."""
    return user_can(user, "workorders.work")


def can_open_work(user, work_order) -> bool:
    return user.can_see_site(work_order.site_id) and (
        sees_all_work(user) or work_order.reported_by_id == user.id)


def may_manage_work(user, work_order) -> bool:
    """Approve or reject a request, assign, cancel: a manager of the work order's site."""
    return user_can(user, "workorders.manage") and user.can_see_site(work_order.site_id)


def may_work_on(user, work_order) -> bool:
    """Start, hold, resume, finish: an assignee, any technician of the site while nobody is
    assigned, or a manager."""
    if not (user_can(user, "workorders.work") and user.can_see_site(work_order.site_id)):
        return False
    assigned = {person.id for person in work_order.assignees}
    return user.is_manager or not assigned or user.id in assigned


def may_verify(user, work_order) -> bool:
    """Close done work: who asked for it (its reporter), or a manager."""
    return user.can_see_site(work_order.site_id) and (
        work_order.reported_by_id == user.id or may_manage_work(user, work_order))


# status -> (status it may move to, who may move it there)
MOVES = {
    "requested": (("rejected", may_manage_work),),
    "open": (("in_progress", may_work_on), ("cancelled", may_manage_work)),
    "in_progress": (("on_hold", may_work_on), ("done", may_work_on),
                    ("cancelled", may_manage_work)),
    "on_hold": (("in_progress", may_work_on), ("cancelled", may_manage_work)),
    "done": (("closed", may_verify), ("in_progress", may_work_on)),
}


def allowed_moves(user, work_order) -> list[str]:
    """The statuses this user may move the work order to now (approval has its own form)."""
    return [to for to, rule in MOVES.get(work_order.status, ()) if rule(user, work_order)]


def may_open_work_file(user, attachment) -> bool:
    work_order = db.session.get(WorkOrder, attachment.entity_id)
    return work_order is not None and can_open_work(user, work_order)


register_access("workorder", may_open_work_file)  # photos of the report, and before
register_access("workorderafter", may_open_work_file)  # photos after the work
register_access("workordersignoff", may_open_work_file)  # the verifier's signature
