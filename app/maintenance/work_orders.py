"""Changes to work orders: a fault report (a request), its approval or rejection, and the
moves of the work itself (start, hold, resume, done, closed by who verifies, cancelled).
Plain functions: no request, no flash, no commit."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.queries import users_of_site
from app.core import attachments, audit, notifications, timeline
from app.core.domain import DomainError
from app.core.models import utcnow
from app.core.references import next_reference
from app.core.urls import path_for
from app.extensions import db
from app.maintenance import policy, preventive, work_log
from app.maintenance.models import (
    ENDED,
    HOLD_REASONS,
    PRIORITIES,
    WORK_TYPES,
    Asset,
    Downtime,
    MaintenanceCode,
    TechnicianSkill,
    WorkOrder,
    WorkTypeRule,
)

notifications.register("fault_reported", _l("Fault reported on %(asset)s: %(reference)s"))
notifications.register("fault_approved", _l("Your fault report %(reference)s is now a work "
                                            "order"))
notifications.register("fault_rejected", _l("Your fault report %(reference)s was not taken "
                                            "up: %(reason)s"))
notifications.register("work_assigned", _l("%(reference)s on %(asset)s was assigned to you"))
notifications.register("work_done", _l("%(reference)s on %(asset)s is done: please verify it"))
notifications.register("work_mention", _l("%(who)s mentioned you on %(reference)s"))


def _link(work_order: WorkOrder) -> str:
    return path_for("maintenance.work_order", work_order_id=work_order.id)


def _supervisors(site_id: int) -> list[User]:
    return list(db.session.scalars(users_of_site(site_id).where(
        User.roles.contains("supervisor"))))


def report_fault(asset: Asset, *, description: str, asset_down: bool = False, photos=(),
                 held=(), incident_id: int | None = None, by) -> WorkOrder:
    """A fault report: a work order request for a supervisor to approve. "The asset is down"
    sets its status and starts its downtime at once. Raises DomainError for a bad photo."""
    description = (description or "").strip()
    if not description:
        raise DomainError(_l("Say what is wrong."), field="description")
    work_order = WorkOrder(reference=next_reference("WO"), site_id=asset.site_id,
                           asset_id=asset.id, description=description, asset_down=asset_down,
                           reported_by_id=getattr(by, "id", None), incident_id=incident_id,
                           kind="corrective", status="requested")
    db.session.add(work_order)
    db.session.flush()
    attachments.attach_held(held, entity_type="workorder", entity_id=work_order.id,
                            site_id=asset.site_id)
    try:
        for photo in photos:
            attachments.save_image(photo, entity_type="workorder", entity_id=work_order.id,
                                   site_id=asset.site_id, by=by)
    except attachments.UploadError as error:
        raise DomainError(_("%(problem)s Choose the photos again.", problem=str(error)),
                          field="photos") from error
    if asset_down:
        asset_went_down(asset, work_order, by=by)
    timeline.add_event(work_order, "reported", by=by, to_status="requested")
    audit.record(by, "create", work_order, summary=f"{work_order.reference} {asset.code}")
    notifications.notify(_supervisors(asset.site_id), "fault_reported", exclude=by,
                         link=_link(work_order), reference=work_order.reference,
                         asset=f"{asset.code} {asset.name}")
    return work_order


def fault_from_incident(incident, asset: Asset, *, by) -> WorkOrder:
    """A fault report made from an incident of equipment failure: its words and its photos,
    linked to it. One unfinished report per incident: a second says where the first is."""
    if asset.site_id != incident.site_id:
        raise DomainError(_l("Choose an asset of the incident's site."), field="asset")
    earlier = db.session.scalar(select(WorkOrder).where(
        WorkOrder.incident_id == incident.id, WorkOrder.status.not_in(ENDED)))
    if earlier is not None:
        raise DomainError(_("%(reference)s was reported from this incident already.",
                            reference=earlier.reference), field="asset")
    work_order = report_fault(asset, description=f"{incident.reference}: {incident.description}",
                              incident_id=incident.id, by=by)
    for photo in db.session.scalars(attachments.attachments_for("incident", incident.id)):
        attachments.copy_attachment(photo, entity_type="workorder", entity_id=work_order.id,
                                    site_id=work_order.site_id)
    return work_order


def asset_went_down(asset: Asset, work_order: WorkOrder | None, *, by) -> None:
    """The asset is down from now: its status, and a downtime span for this work."""
    now = utcnow()
    before = asset.status
    asset.status = "down"
    db.session.add(Downtime(asset_id=asset.id, work_order_id=getattr(work_order, "id", None),
                            started_at=now))
    if before != "down":
        audit.record(by, "update", asset, summary=f"{asset.code} {asset.name}",
                     before={"status": before}, after={"status": "down"})


def asset_back_in_service(asset: Asset, *, by) -> None:
    """Every open downtime span of the asset ends now, and it is in service again."""
    now = utcnow()
    for span in db.session.scalars(select(Downtime).where(Downtime.asset_id == asset.id,
                                                          Downtime.ended_at.is_(None))):
        span.ended_at = now
    if asset.status == "down":
        asset.status = "in_service"
        audit.record(by, "update", asset, summary=f"{asset.code} {asset.name}",
                     before={"status": "down"}, after={"status": "in_service"})


def approve(work_order: WorkOrder, *, kind: str, priority: int, assignee_ids: list[int],
            due_on: date | None, skill_id: int | None, by) -> None:
    """A request becomes an open work order: its type, priority, who does it, by when."""
    if work_order.status != "requested":
        raise DomainError(_l("Only a request waiting for approval can be approved."))
    _plan(work_order, kind=kind, priority=priority, assignee_ids=assignee_ids, due_on=due_on,
          skill_id=skill_id)
    work_order.status, work_order.approved_by_id = "open", by.id
    work_order.approved_at = utcnow()
    timeline.add_event(work_order, "approved", by=by, from_status="requested", to_status="open")
    audit.record(by, "approve", work_order, summary=work_order.reference)
    reporter = db.session.get(User, work_order.reported_by_id) \
        if work_order.reported_by_id else None
    notifications.notify([reporter], "fault_approved", exclude=by, link=_link(work_order),
                         reference=work_order.reference)
    _tell_assignees(work_order, work_order.assignees, by=by)


def _plan(work_order: WorkOrder, *, kind: str, priority: int, assignee_ids: list[int],
          due_on: date | None, skill_id: int | None) -> None:
    if kind not in WORK_TYPES:
        raise DomainError(_l("Choose a type from the list."), field="kind")
    if priority not in PRIORITIES:
        raise DomainError(_l("Choose a priority from the list."), field="priority")
    if skill_id:
        skill = db.session.get(MaintenanceCode, skill_id)
        if skill is None or skill.kind != "skill" or not skill.active:
            raise DomainError(_l("Choose from the list."), field="skill")
    people = assignable(work_order.site_id)
    chosen = [people[i] for i in dict.fromkeys(assignee_ids or []) if i in people]
    if len(chosen) != len(set(assignee_ids or [])):
        raise DomainError(_l("Choose technicians of this site."), field="assignees")
    work_order.kind, work_order.priority, work_order.due_on = kind, priority, due_on
    work_order.skill_id = skill_id or None
    work_order.assignees = chosen


def assignable(site_id: int) -> dict[int, User]:
    """The people who may be given work at the site: its technicians and supervisors."""
    return {user.id: user for user in db.session.scalars(users_of_site(site_id))
            if user.has_role("technician") or user.has_role("supervisor")}


def reassign(work_order: WorkOrder, *, kind: str, priority: int, assignee_ids: list[int],
             due_on: date | None, skill_id: int | None, by) -> None:
    """Change the plan of approved work that is not finished yet."""
    if work_order.status not in ("open", "in_progress", "on_hold"):
        raise DomainError(_l("Only unfinished work can be planned again."))
    before = {person.id for person in work_order.assignees}
    _plan(work_order, kind=kind, priority=priority, assignee_ids=assignee_ids, due_on=due_on,
          skill_id=skill_id)
    added = [person for person in work_order.assignees if person.id not in before]
    timeline.add_event(work_order, "planned", by=by)
    audit.record(by, "update", work_order, summary=work_order.reference)
    _tell_assignees(work_order, added, by=by)


def _tell_assignees(work_order: WorkOrder, people, *, by) -> None:
    asset = work_order.asset
    notifications.notify(people, "work_assigned", exclude=by, link=_link(work_order),
                         reference=work_order.reference, asset=f"{asset.code} {asset.name}")


def move(work_order: WorkOrder, to: str, *, by, reason: str = "", hold_reason: str = "",
         work_done: str = "", back_in_service: bool = False, codes: dict | None = None,
         signed: bool = False) -> None:
    """Move the work along (policy.MOVES says who may move it where). `codes`: the failure,
    cause and remedy of work done ({"failure": id, ...}); `signed`: closed by sign_off."""
    if to not in policy.allowed_moves(by, work_order):
        raise DomainError(_l("This work order cannot be moved there now."))
    if to == "closed" and needs_sign_off(work_order) and not signed:
        raise DomainError(_l("This type of work is closed with the verifier's signature: "
                             "sign below."))
    reason = (reason or "").strip()
    now, before = utcnow(), work_order.status
    if to in ("rejected", "cancelled"):
        if not reason:
            raise DomainError(_l("Say why."), field="reason")
        work_order.end_reason = reason
    elif to == "on_hold":
        if hold_reason not in HOLD_REASONS:
            raise DomainError(_l("Choose what the work is waiting for."), field="hold_reason")
        if hold_reason == "other" and not reason:
            raise DomainError(_l("Say what the work is waiting for."), field="reason")
        work_order.hold_reason, work_order.hold_note = hold_reason, reason[:300]
    elif to == "done":
        work_done = (work_done or "").strip()
        if not work_done:
            raise DomainError(_l("Say what was done."), field="work_done")
        _set_codes(work_order, codes or {})
        work_order.work_done, work_order.done_at = work_done, now
        work_order.done_on = preventive.site_today(work_order.site, now)
        work_log.stop_all_timers(work_order)
    elif to == "closed":
        work_order.closed_at, work_order.verified_by_id = now, by.id
    elif to == "in_progress":
        if before == "done":
            preventive.reopen(work_order)
        work_order.started_at = work_order.started_at or now
        work_order.hold_reason, work_order.hold_note = "", ""
    if to == "cancelled":
        work_log.stop_all_timers(work_order)
    work_order.status = to
    if work_order.plan_id is not None and to in ("done", "cancelled"):
        (preventive.completed if to == "done" else preventive.skipped)(work_order)
    if back_in_service or to == "rejected":
        asset_back_in_service(work_order.asset, by=by)
    timeline.add_event(work_order, "status", by=by, from_status=before, to_status=to,
                       text=reason if to in ("rejected", "cancelled", "on_hold") else "")
    audit.record(by, "status", work_order, summary=work_order.reference,
                 before={"status": before}, after={"status": to})
    _tell_of_move(work_order, to, reason, by=by)


def _set_codes(work_order: WorkOrder, codes: dict) -> None:
    """The failure, cause and remedy of the work, from the lists admins edit."""
    for kind in ("failure", "cause", "remedy"):
        code_id = codes.get(kind)
        if code_id:
            code = db.session.get(MaintenanceCode, code_id)
            if code is None or code.kind != kind or not code.active:
                raise DomainError(_l("Choose from the list."), field=kind)
        setattr(work_order, f"{kind}_id", code_id or None)


def needs_sign_off(work_order: WorkOrder) -> bool:
    rule = db.session.get(WorkTypeRule, work_order.kind)
    return bool(rule and rule.sign_off)


def sign_off(work_order: WorkOrder, drawing, *, by) -> None:
    """Verified and closed with the verifier's signature (drawn on the screen, kept as PNG)."""
    if "closed" not in policy.allowed_moves(by, work_order):
        raise DomainError(_l("This work order cannot be moved there now."))
    attachments.save_image(drawing, entity_type="workordersignoff", entity_id=work_order.id,
                           site_id=work_order.site_id, by=by, drawing=True)
    move(work_order, "closed", by=by, signed=True)


def set_sign_off(kinds: list[str], *, by) -> None:
    """Which types of work are closed with the verifier's signature."""
    for kind in WORK_TYPES:
        rule = db.session.get(WorkTypeRule, kind) or WorkTypeRule(kind=kind)
        rule.sign_off = kind in kinds
        db.session.add(rule)
    db.session.flush()
    audit.record(by, "sign_off", _Settings(), summary=", ".join(sorted(kinds)) or "-")


class _Settings:
    """The audit entity of the sign-off settings (a table of rules, not one record)."""

    __entity__ = "worktyperule"
    id = 0
    site_id = None


def set_skills(user: User, skill_ids: list[int], *, by) -> None:
    """The skills a person has (entries of the "skill" list)."""
    valid = {code.id for code in db.session.scalars(select(MaintenanceCode).where(
        MaintenanceCode.kind == "skill", MaintenanceCode.active))}
    if not set(skill_ids) <= valid:
        raise DomainError(_l("Choose from the list."), field="skills")
    db.session.execute(TechnicianSkill.__table__.delete().where(
        TechnicianSkill.user_id == user.id))
    db.session.add_all(TechnicianSkill(user_id=user.id, skill_id=i) for i in set(skill_ids))
    audit.record(by, "skills", user, summary=user.name, site_id=None)


def _tell_of_move(work_order: WorkOrder, to: str, reason: str, *, by) -> None:
    reporter = db.session.get(User, work_order.reported_by_id) \
        if work_order.reported_by_id else None
    if to == "rejected":
        notifications.notify([reporter], "fault_rejected", exclude=by, link=_link(work_order),
                             reference=work_order.reference, reason=reason)
    elif to == "done":
        asset = work_order.asset
        notifications.notify([reporter, *_supervisors(work_order.site_id)], "work_done",
                             exclude=by, link=_link(work_order), reference=work_order.reference,
                             asset=f"{asset.code} {asset.name}")


def comment(work_order: WorkOrder, *, text: str, by) -> None:
    """A note on the timeline; @username tells that person (if they may open the work)."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write a comment first."), field="text")
    timeline.add_event(work_order, "comment", by=by, text=text)
    names = notifications.mentioned_usernames(text)
    if names:
        mentioned = [user for user in db.session.scalars(users_of_site(work_order.site_id)
                                                         .where(func.lower(User.username)
                                                                .in_(names)))
                     if policy.can_open_work(user, work_order)]
        notifications.notify(mentioned, "work_mention", exclude=by, link=_link(work_order),
                             who=by.name, reference=work_order.reference)

