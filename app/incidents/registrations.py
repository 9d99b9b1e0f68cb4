"""What incidents put in shared registries: an incident is a source of actions, and the
sentences its timeline events read as."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.actions import sources
from app.core.search import searchable
from app.core.timeline import register_sentence
from app.core.urls import path_for
from app.incidents import queries
from app.incidents.models import Incident, ServiceRequest

sources.register(
    "incident", _l("Incident"),
    load=lambda user, incident_id: queries.get_incident(user, incident_id),
    url=lambda incident_id: path_for("incidents.detail", incident_id=incident_id))


# What an incident is found by: its reference and the words people wrote on it; a customer
# request by its reference, what the customer wrote, and who.
searchable(Incident, "fts_incident",
           ("reference", "description", "category", "resolution", "root_cause"))
searchable(ServiceRequest, "fts_service_request",
           ("reference", "description", "where_text", "contact_name", "public_note"))


def _breached(event, _labels):
    clock = _("acknowledge") if (event.data or {}).get("clock") == "ack" else _("resolve")
    return _("SLA breached: %(clock)s", clock=clock)


def _assigned(event, _labels):
    data = event.data or {}
    return _("assigned it to %(who)s", who=data.get("assignee") or data.get("team") or "—")


register_sentence("reported", lambda event, labels: _("reported it"))
register_sentence("reopened", lambda event, labels: _("reopened it") if event.to_status else None)
register_sentence("assigned", _assigned)
register_sentence("triaged", lambda event, labels: _("changed the details"))
register_sentence("paused", lambda event, labels: _("paused the SLA clock"))
register_sentence("resumed", lambda event, labels: _("resumed the SLA clock"))
register_sentence("sla_breached", _breached)
