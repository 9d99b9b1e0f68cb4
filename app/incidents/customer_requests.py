"""Customer requests: sent without an account (the public page) or logged by staff, handled as
an incident or answered, rated once resolved."""

import secrets

from flask_babel import lazy_gettext as _l

from app.auth.models import hash_token
from app.core import attachments, audit, notifications, timeline
from app.core.domain import DomainError
from app.core.models import utcnow
from app.core.references import next_reference
from app.core.urls import path_for
from app.extensions import db
from app.incidents.models import REQUEST_KINDS, Incident, IncidentType, ServiceRequest
from app.incidents.queries import site_supervisors
from app.incidents.services import report

notifications.register("request_received", _l("New %(what)s %(reference)s from a customer"))


def submit_request(*, site, kind: str, channel: str, description: str, where_text: str = "",
                   location=None, contact_name: str = "", contact_phone: str = "",
                   contact_email: str = "", photos=(), held=(),
                   by=None) -> tuple[ServiceRequest, str]:
    """Record a request; returns it and the secret token of its status link."""
    token = secrets.token_urlsafe(24)
    request_ = ServiceRequest(
        reference=next_reference("SR"), site_id=site.id, kind=kind, channel=channel,
        description=description.strip(), where_text=(where_text or "").strip(),
        location_id=getattr(location, "id", None), contact_name=(contact_name or "").strip(),
        contact_phone=(contact_phone or "").strip(), contact_email=(contact_email or "").strip(),
        token_hash=hash_token(token), logged_by_id=getattr(by, "id", None))
    db.session.add(request_)
    db.session.flush()
    attachments.attach_held(held, entity_type="servicerequest", entity_id=request_.id,
                            site_id=site.id)
    for photo in photos:
        attachments.save_image(photo, entity_type="servicerequest", entity_id=request_.id,
                               site_id=site.id, by=by)
    audit.record(by, "create", request_, summary=request_.reference)
    notifications.notify(site_supervisors(site.id), "request_received", exclude=by,
                         link=path_for("incidents.request_detail", request_id=request_.id),
                         reference=request_.reference, what=str(REQUEST_KINDS[kind]).lower())
    return request_, token


def convert_to_incident(request_: ServiceRequest, *, incident_type: IncidentType,
                        severity: str, by) -> Incident:
    """Handle the request as an incident: its photos stay with the request and show there."""
    if request_.incident_id is not None or request_.status not in ("new",):
        raise DomainError(_l("This request is already being handled."))
    where = f"\n\n{request_.where_text}" if request_.where_text else ""
    incident = report(site=request_.site, incident_type=incident_type, severity=severity,
                      occurred_at=request_.created_at, location=request_.location,
                      description=f"{request_.description}{where}", by=by)
    incident.service_request_id = request_.id
    request_.incident_id, request_.status = incident.id, "in_progress"
    timeline.add_event(incident, "from_request", by=by, text=request_.reference)
    audit.record(by, "update", request_, summary=request_.reference,
                 after={"incident": incident.reference, "status": "in_progress"})
    return incident


def close_request(request_: ServiceRequest, *, status: str, note: str, by) -> None:
    """Resolve (or reject) a request directly; the note is shown to the customer."""
    if status not in ("resolved", "rejected") or request_.status != "new":
        # A request handled as an incident follows the incident (sync_request).
        raise DomainError(_l("This change is not possible now."))
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Write a short answer for the customer."), field="note")
    before = request_.status
    request_.status, request_.public_note = status, note
    request_.resolved_at = utcnow() if status == "resolved" else None
    audit.record(by, "update", request_, summary=request_.reference,
                 before={"status": before}, after={"status": status})


def rate_request(request_: ServiceRequest, *, rating: int, comment: str) -> None:
    if request_.status not in ("resolved", "closed"):
        raise DomainError(_l("You can rate the service once the request is resolved."))
    if request_.rated_at is not None:
        raise DomainError(_l("Thank you: this request has been rated already."))
    if not 1 <= rating <= 5:
        raise DomainError(_l("Choose from 1 to 5."), field="rating")
    request_.rating, request_.rating_comment = rating, (comment or "").strip()
    request_.rated_at = utcnow()
