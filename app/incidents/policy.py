"""Who may open the files of incidents, service requests and incident types.

A file is served under the rule of the record it belongs to: the same people who may open
the incident or the request see its photos, nobody else.
"""

from app.core.attachments import register_access
from app.core.permissions import user_can
from app.extensions import db
from app.incidents.models import Incident, ServiceRequest
from app.incidents.services import can_open


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
