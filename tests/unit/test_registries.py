"""Registries through which domains plug into each other without importing each other."""

from types import SimpleNamespace

from app.actions import sources
from app.core import timeline
from app.core.sections import sections_for
from app.core.urls import path_for
from app.extensions import db
from tests.conftest import make_user
from tests.helpers import make_action, make_incident


def test_an_incident_is_a_registered_source_of_actions(app, site):
    reporter = make_user(app, username="ana", roles=("supervisor",), sites=[site])
    incident = make_incident(app, site, reporter)
    with app.app_context():
        assert sources.kinds()[0] == "none" and "incident" in sources.kinds()
        assert str(sources.labels()["incident"]) == "Incident"
        assert sources.kind_of(incident) == "incident"
        assert sources.kind_of(SimpleNamespace(__entity__="nothing known")) == "none"
        action = make_action(app, site, reporter, source=incident)
        assert action.source_type == "incident"
        assert sources.url_of("incident", incident.id) == f"/incidents/{incident.id}"
        assert sources.url_of("none", None) is None


def test_the_actions_of_an_incident_are_a_section_of_its_page(app, site):
    reporter = make_user(app, username="ana", roles=("supervisor",), sites=[site])
    incident = make_incident(app, site, reporter)
    make_action(app, site, reporter, source=incident, title="Fit a drip tray")
    with app.test_request_context():
        from app.auth.models import User
        from app.incidents.models import Incident

        user = db.session.get(User, reporter.id)
        found = dict(sections_for(db.session.get(Incident, incident.id), user))
        # an equipment failure: maintenance's fault reports are a section of its own
        assert set(found) == {"actions/_source_section.html",
                              "maintenance/_incident_section.html"}
        section = found["actions/_source_section.html"]
        assert [a.title for a in section["actions"]] == ["Fit a drip tray"]
        assert section["may_raise"] and section["new_url"] == f"/actions/new?incident={incident.id}"


def test_timeline_sentences_come_from_their_domains(app):
    with app.test_request_context():
        def event(kind, **fields):
            return SimpleNamespace(kind=kind, to_status=fields.get("to"), data=fields.get("data"))

        labels = {"resolved": "Resolved"}
        assert timeline.sentence_of(event("status", to="resolved"), labels) == \
            "moved it to Resolved"
        assert timeline.sentence_of(event("paused"), labels) == "paused the SLA clock"
        assert timeline.sentence_of(event("raised"), labels) == "raised it"
        assert timeline.sentence_of(event("verified"), labels) == "verified"  # no status: kind
        assert timeline.sentence_of(event("unheard_of"), labels) == "unheard_of"


def test_links_are_built_outside_a_request_too(app):
    with app.app_context():  # flask sla-check notifies without a request
        assert path_for("incidents.detail", incident_id=5) == "/incidents/5"
