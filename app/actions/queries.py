"""Read-side queries for actions."""

from datetime import date

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.actions.models import OPEN_STATUSES, Action
from app.core.db import for_change, unindexed
from app.core.scoping import scope
from app.core.search import list_order, search_in
from app.extensions import db


def visible(statement, user):
    """Managers: every action of their sites. Others: the actions they own."""
    statement = scope(statement, user, Action.site_id)  # never beyond one's sites
    if user.is_manager:
        return statement
    return statement.where(Action.owner_id == user.id)


# The action list's order, soonest due first: served by ix_action_due.
ACTION_ORDER = (Action.due_date.asc(), Action.id.asc())


def action_order(status: str, search: str = "") -> tuple[tuple, object]:
    """The list's order and how to read a row's key: soonest due first (a search: see
    core.search.list_order). The open actions (the list's default) are few among years of
    verified ones: found through ix_action_status_due and sorted, rather than by walking every
    due date from the oldest."""
    if search:
        return list_order("fts_action", search, ACTION_ORDER)
    if status == "open":
        return ((unindexed(Action.due_date).asc(), Action.id.asc()),
                lambda action: (action.due_date, action.id))
    return ACTION_ORDER, None


def action_list(user, *, mine=False, status="", source_type="", owner_id=None, overdue=False,
                site_id=None, today: date | None = None, search=""):
    statement = (select(Action).options(joinedload(Action.owner), joinedload(Action.site))
                 .order_by(*ACTION_ORDER))
    if mine:
        statement = statement.where(Action.owner_id == user.id)
    if status == "open":
        statement = statement.where(Action.status.in_(OPEN_STATUSES))
    elif status:
        statement = statement.where(Action.status == status)
    if source_type:
        statement = statement.where(Action.source_type == source_type)
    if owner_id:
        statement = statement.where(Action.owner_id == owner_id)
    if site_id:
        statement = statement.where(Action.site_id == site_id)
    if overdue and today:
        statement = statement.where(Action.status.in_(OPEN_STATUSES), Action.due_date < today)
    if search:  # the full-text index (core.search)
        statement = search_in(statement, Action.id, "fts_action", search)
    return visible(statement, user)


def actions_of_source(source_type: str, source_id: int):
    return (select(Action).options(joinedload(Action.owner))
            .where(Action.source_type == source_type, Action.source_id == source_id)
            .order_by(Action.id))


def get_action(user, action_id: int) -> Action:
    action = db.session.scalar(for_change(visible(select(Action).where(Action.id == action_id),
                                                  user)))
    if action is None:
        abort(404)
    return action


def action_figures(site_ids, today: date) -> dict:
    """Actions overdue now, and the share of checked actions that were verified effective
    (an action found not effective counts once per failed check)."""
    from sqlalchemy import func

    overdue = db.session.scalar(select(func.count(Action.id)).where(
        Action.site_id.in_(site_ids), Action.status.in_(OPEN_STATUSES),
        Action.due_date < today))
    verified, failed_checks = db.session.execute(select(
        func.count(Action.id).filter(Action.status == "verified"),
        func.coalesce(func.sum(Action.reopen_count), 0)).where(
        Action.site_id.in_(site_ids))).one()
    checks = verified + failed_checks
    return {"overdue": overdue,
            "verified_effective": round(100 * verified / checks, 1) if checks else None}
