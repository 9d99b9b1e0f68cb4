"""Who may do what: each view declares a permission; roles grant permissions.

Every route is either `@requires(...)` or `@public`; tests/views/test_route_matrix.py walks
every route for every role, so a route without a rule fails the suite.
"""

from functools import wraps

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

ROLES = ("admin", "supervisor", "inspector", "technician", "storekeeper", "staff")
ROLE_LABELS = {
    "admin": _l("Administrator"),
    "supervisor": _l("Supervisor"),
    "inspector": _l("Inspector"),
    "technician": _l("Technician"),
    "storekeeper": _l("Storekeeper"),
    "staff": _l("Staff"),
}
EVERYONE = frozenset(ROLES)
MANAGERS = frozenset({"admin", "supervisor"})
FIELD_ROLES = frozenset({"admin", "supervisor", "inspector", "technician", "storekeeper"})

# permission -> roles that hold it. Site scoping is checked separately, per record.
PERMISSIONS: dict[str, frozenset[str]] = {
    "home.view": EVERYONE,
    "profile.edit": EVERYONE,
    "sites.view": EVERYONE,
    "sites.create": frozenset({"admin"}),
    "sites.manage": MANAGERS,
    "locations.photo": FIELD_ROLES,
    "users.manage": frozenset({"admin"}),
    "audit.view": frozenset({"admin"}),
    "notifications.view": EVERYONE,
    "incidents.report": EVERYONE,
    "incidents.view": EVERYONE,  # staff: only what they reported or were given
    "incidents.triage": MANAGERS,
    "incidents.types": frozenset({"admin"}),
    "actions.view": EVERYONE,  # managers: their sites' actions; others: their own
    "actions.manage": MANAGERS,
    "requests.manage": MANAGERS,
    "inspections.view": FIELD_ROLES,  # the checklists of their sites
    "inspections.build": MANAGERS,
    "inspections.inspect": frozenset({"admin", "supervisor", "inspector"}),
    "rounds.do": frozenset({"admin", "supervisor", "inspector"}),  # Today, starting a round
    "rounds.plan": MANAGERS,  # schedules and the board
    "assets.view": EVERYONE,  # the register of their sites: a fault is reported from it
    "assets.manage": MANAGERS,  # add and edit assets, meters, files; label sheets
    "meters.read": frozenset({"admin", "supervisor", "technician"}),
    "maintenance.lists": frozenset({"admin"}),  # categories, skills, failure, cause, remedy
    "faults.report": EVERYONE,  # from an asset's page or its QR label
    "workorders.view": EVERYONE,  # technicians and managers: their sites'; others: reported
    "workorders.work": frozenset({"admin", "supervisor", "technician"}),
    "workorders.manage": MANAGERS,  # approve, reject, plan, cancel
    "plans.view": frozenset({"admin", "supervisor", "technician"}),  # PM plans, PM calendar
    "plans.manage": MANAGERS,  # add, change, pause and copy preventive maintenance plans
    "maintenance.figures": MANAGERS,  # MTTR, MTBF, availability, PM compliance
    # the catalogue and what is on hand: technicians look parts up for their work
    "stock.view": frozenset({"admin", "supervisor", "technician", "storekeeper"}),
    "stock.move": frozenset({"admin", "supervisor", "storekeeper"}),  # receive, issue, ...
    "stock.manage": frozenset({"admin", "supervisor", "storekeeper"}),  # items, stores, bins
    "parts.request": frozenset({"admin", "supervisor", "technician"}),  # on their work orders
    "purchases.approve": MANAGERS,  # approve or reject purchase requests
    "counts.count": frozenset({"admin", "supervisor", "storekeeper"}),  # start counts, count
    "counts.approve": MANAGERS,  # review counts, send lines for recount, approve, cancel
}


def roles_allowed(permission: str) -> frozenset[str]:
    return PERMISSIONS[permission]


def user_can(user, permission: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.role_set & PERMISSIONS[permission])


def requires(permission: str):
    """Sign-in required, and one of the roles that hold `permission`; 403 otherwise."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not user_can(current_user, permission):
                abort(403)  # logged by the 403 handler (app/core/errors.py)
            return view(*args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorator


def public(view):
    """Marks a view that anyone may open, signed in or not (sign-in page, health, QR posters)."""
    view.permission = None
    return view

