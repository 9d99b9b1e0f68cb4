"""Record rules of incidents: who may open one, who handles it, where they may move it; and
who may open the files of incidents, service requests and incident types (a file is served
under the rule of the record it belongs to)."""

from app.core.attachments import register_access
from app.core.permissions import user_can
from app.extensions import db
from app.incidents.models import REOPENABLE, TRANSITIONS, Incident, ServiceRequest
from app.incidents.queries import sees_all_of_site


def can_open(user, incident: Incident) -> bool:
    """The rule of incidents.queries.visible, for one user and one incident."""
    if not user.can_see_site(incident.site_id):
        return False
    return sees_all_of_site(user) or user.id in (incident.reporter_id, incident.assignee_id)


def is_handler(user, incident: Incident) -> bool:
    return incident.assignee_id == user.id or (
        bool(incident.assigned_team) and user.has_role(incident.assigned_team))


def may_triage(user, incident: Incident) -> bool:
    """Set severity, priority, assignee and due date: a manager of the incident's site."""
    return user_can(user, "incidents.triage") and user.can_see_site(incident.site_id)


def may_open_its_request(user, incident: Incident) -> bool:
    """Follow the link to the customer request the incident handles."""
    return bool(incident.service_request_id) and user_can(user, "requests.manage")


def may_stop_the_clock(user, incident: Incident) -> bool:
    """Pause or resume the SLA clock: whoever handles the incident, or a manager."""
    return is_handler(user, incident) or may_triage(user, incident)


def allowed_moves(user, incident: Incident) -> list[str]:
    """The statuses this user may move the incident to now (for the buttons to show)."""
    manager = user.is_manager
    moves = [to for (frm, to), who in TRANSITIONS.items() if frm == incident.status and (
        manager or (who == "handler" and is_handler(user, incident)))]
    if manager and incident.status in REOPENABLE:
        moves.append("reopened")
    return moves


def may_open_incident_file(user, attachment) -> bool:
    incident = db.session.get(Incident, attachment.entity_id)
    return incident is not None and can_open(user, incident)


def may_open_request_file(user, attachment) -> bool:
    """Managers of the request's site; and whoever may open the incident that handles it
    (the incident page shows the photos the customer sent)."""
    request_ = db.session.get(ServiceRequest, attachment.entity_id)
    if request_ is None:
        return False
    if user_can(user, "requests.manage") and user.can_see_site(request_.site_id):
        return True
    incident = db.session.get(Incident, request_.incident_id) if request_.incident_id else None
    return incident is not None and can_open(user, incident)


def may_open_procedure_file(user, _attachment) -> bool:
    """An incident type's procedure files are reference material for everyone signed in."""
    return user.is_authenticated


register_access("incident", may_open_incident_file)
register_access("servicerequest", may_open_request_file)
register_access("incidenttype", may_open_procedure_file)
