"""Reporting an incident in seconds, triage, handling, timeline, notifications."""

import html
import re
from io import BytesIO

from sqlalchemy import func, select

from app.core.models import Attachment, Notification
from app.extensions import db
from app.incidents.models import Incident, IncidentType
from tests.conftest import csrf_from, live, make_site, make_user, sign_in
from tests.helpers import first_location, hidden_fields, image_bytes, make_incident


def report_form(client, url="/incidents/report"):
    page = client.get(url).text
    return page, hidden_fields(page, "csrf_token", "idempotency_key")


def type_id(app, code):
    with app.app_context():
        return db.session.scalar(select(IncidentType.id).filter_by(code=code))


def incident_by_ref(app, reference) -> Incident:
    with app.app_context():
        return live(Incident, db.session.scalar(select(Incident.id).filter_by(
            reference=reference)))


def test_report_from_a_location_with_photos(app, client, login_as, site):
    login_as("staff", name="Liu")
    location = first_location(app, site)
    page, hidden = report_form(client, f"/incidents/report?location={location.public_id}")
    assert f'value="{location.public_id}" selected' in page  # where: pre-filled
    response = client.post(f"/incidents/report?location={location.public_id}", data={
        **hidden, "type": type_id(app, "hygiene"), "severity": "low", "site": site.id,
        "location": str(location.public_id), "occurred_at": "2026-11-22T09:15",
        "description": "Spilled oil near the entrance 入口",
        "photos": [(BytesIO(image_bytes()), "a.jpg"), (BytesIO(image_bytes()), "b.jpg")],
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    detail = client.get(response.headers["Location"]).text
    reference = re.search(r"INC-\d{4}-\d{6}", detail).group(0)
    assert reference.endswith("000001") and "Reported as" in detail
    incident = incident_by_ref(app, reference)
    assert incident.location_id == location.id and incident.status == "reported"
    assert incident.occurred_at.hour == 1  # 09:15 in Shanghai is 01:15 UTC
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id)).filter_by(
            entity_type="incident", entity_id=incident.id)) == 2
    assert "reported it" in detail


def test_replayed_report_creates_nothing(app, client, login_as, site):
    login_as("staff")
    _page, hidden = report_form(client)
    data = {**hidden, "type": type_id(app, "security"), "severity": "medium", "site": site.id,
            "location": "", "occurred_at": "2026-11-22T09:15", "description": "Door forced"}
    first = client.post("/incidents/report", data=data)
    second = client.post("/incidents/report", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Incident.id))) == 1


def test_bad_report_keeps_what_was_typed(app, client, login_as, site):
    other = make_site(app, name="Other", code="OTH")
    login_as("staff")
    _page, hidden = report_form(client)
    response = client.post("/incidents/report", data={
        **hidden, "type": "", "severity": "apocalyptic", "site": site.id,
        "location": str(first_location(app, other).public_id), "occurred_at": "yesterday",
        "description": "<b>Ceiling</b> tile fell 天花板"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "&lt;b&gt;Ceiling&lt;/b&gt; tile fell 天花板" in response.text
    assert response.text.count('class="error"') >= 3
    bad_photo = client.post("/incidents/report", data={
        **hidden, "type": type_id(app, "other"), "severity": "low", "site": site.id,
        "location": "", "occurred_at": "2026-11-22T09:15", "description": "Photo test",
        "photos": [(BytesIO(b"not an image"), "x.jpg")]}, content_type="multipart/form-data")
    assert bad_photo.status_code == 422 and "Choose the photos again" in bad_photo.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Incident.id))) == 0


def test_report_names_a_site_or_location_it_does_not_offer(app, client, login_as, site):
    """The form owns its checks: a site of someone else, a location of another site."""
    other = make_site(app, name="Other", code="OTH")
    login_as("staff")
    _page, hidden = report_form(client)
    data = {**hidden, "type": type_id(app, "other"), "severity": "low", "site": other.id,
            "location": "", "occurred_at": "2026-11-22T09:15", "description": "Wrong site"}
    not_mine = client.post("/incidents/report", data=data)
    assert not_mine.status_code == 422 and "Choose one of your sites." in not_mine.text
    elsewhere = client.post("/incidents/report", data={
        **data, "site": site.id, "location": str(first_location(app, other).public_id)})
    assert elsewhere.status_code == 422 and "Choose a location of this site." in elsewhere.text
    assert 'name="description"' in elsewhere.text and "Wrong site" in elsewhere.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Incident.id))) == 0


def test_critical_report_shows_procedure_and_alerts_supervisors(app, client, login_as, site):
    supervisor = make_user(app, username="boss", roles=("supervisor",), sites=[site])
    with app.app_context():
        injury = db.session.scalar(select(IncidentType).filter_by(code="injury"))
        injury.emergency_procedure = "Call 120. Do not move the injured person."
        db.session.commit()
    login_as("staff")
    _page, hidden = report_form(client)
    response = client.post("/incidents/report", data={
        **hidden, "type": type_id(app, "injury"), "severity": "critical", "site": site.id,
        "location": "", "occurred_at": "2026-11-22T09:15", "description": "Fall from ladder"},
        follow_redirects=True)
    assert "Call 120. Do not move the injured person." in response.text
    assert "supervisors have been alerted" in response.text
    boss = app.test_client()
    sign_in(app, boss, supervisor)
    assert "Notifications: 1 new" in boss.get("/").text
    assert "Critical incident INC-" in boss.get("/notifications").text


def test_triage_assign_and_suggestions(app, client, login_as, site):
    tech = make_user(app, username="tech", name="Tech Zhang", roles=("technician",), sites=[site])
    busy = make_user(app, username="busy", name="Busy Tech", roles=("technician",),
                     sites=[site])
    reporter = make_user(app, username="rep", roles=("staff",), sites=[site])
    for _ in range(2):
        earlier = make_incident(app, site, reporter)
        with app.app_context():
            db.session.get(Incident, earlier.id).assignee_id = busy.id
            db.session.commit()
    incident = make_incident(app, site, reporter, type_code="equipment_failure")
    login_as("supervisor")
    page = client.get(f"/incidents/{incident.id}").text
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>',
                         page.split('name="assignee"')[1].split("</select>")[0])
    assert options[0][1].startswith("Tech Zhang · 0 open ★")
    assert options[1][1].startswith("Busy Tech · 2 open ★")
    response = client.post(f"/incidents/{incident.id}/triage", data={
        "csrf_token": csrf_from(page), "severity": "high", "priority": "2",
        "category": "Pumps", "assignee": str(tech.id), "assigned_team": "technician",
        "due_at": "2026-11-23T18:00"})
    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(Incident, incident.id)
        assert (saved.severity, saved.priority, saved.assignee_id) == ("high", 2, tech.id)
        assert saved.due_at.hour == 10  # 18:00 in Shanghai
        note = db.session.scalar(select(Notification).filter_by(user_id=tech.id))
        assert note.kind == "incident_assigned"
    assert "assigned it to Tech Zhang" in client.get(f"/incidents/{incident.id}").text


def test_handling_from_report_to_close(app, client, login_as, site):
    tech = make_user(app, username="tech", roles=("technician",), sites=[site])
    reporter = make_user(app, username="rep", roles=("staff",), sites=[site])
    incident = make_incident(app, site, reporter, severity="high")
    with app.app_context():
        db.session.get(Incident, incident.id).assignee_id = tech.id
        db.session.commit()
    tech_client = app.test_client()
    sign_in(app, tech_client, tech)
    token = csrf_from(tech_client.get(f"/incidents/{incident.id}").text)

    def move(who, to, **extra):
        return who.post(f"/incidents/{incident.id}/status",
                        data={"csrf_token": csrf_token(who), "to": to, **extra})

    def csrf_token(who):
        return token if who is tech_client else csrf_from(who.get("/profile").text)

    assert move(tech_client, "acknowledged").status_code == 303
    assert move(tech_client, "in_progress").status_code == 303
    unresolved = move(tech_client, "resolved")
    assert unresolved.status_code == 422 and "Say how it was resolved." in unresolved.text
    assert move(tech_client, "resolved", note="Replaced the seal").status_code == 303
    assert move(tech_client, "closed").status_code == 422  # only a supervisor closes
    login_as("supervisor")
    no_cause = move(client, "closed")
    assert no_cause.status_code == 422 and "needs its root cause" in no_cause.text
    assert move(client, "closed", root_cause_category="equipment",
                root_cause="Seal past its service life").status_code == 303
    assert move(client, "reopened").status_code == 422  # a reason is required
    assert move(client, "reopened", note="Leaking again").status_code == 303
    with app.app_context():
        saved = db.session.get(Incident, incident.id)
        assert saved.status == "in_progress" and saved.reopen_count == 1
        assert saved.acknowledged_at is not None and saved.resolved_at is None
        told = db.session.scalar(select(Notification).filter_by(user_id=reporter.id))
        assert told.kind == "incident_resolved"
    timeline = client.get(f"/incidents/{incident.id}").text
    for text in ("Acknowledged", "Replaced the seal", "Leaking again", "reopened it"):
        assert text in timeline


def test_comments_mention_colleagues(app, client, login_as, site):
    colleague = make_user(app, username="mei", roles=("inspector",), sites=[site])
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]))
    login_as("supervisor")
    token = csrf_from(client.get(f"/incidents/{incident.id}").text)
    empty = client.post(f"/incidents/{incident.id}/comments", data={"csrf_token": token,
                                                                     "text": "  "})
    assert empty.status_code == 422
    response = client.post(f"/incidents/{incident.id}/comments", data={
        "csrf_token": token, "text": "@mei can you check the valve? <i>thanks</i>"})
    assert response.status_code == 303
    page = client.get(f"/incidents/{incident.id}").text
    assert "&lt;i&gt;thanks&lt;/i&gt;" in page
    with app.app_context():
        assert db.session.scalar(select(Notification.kind).filter_by(user_id=colleague.id)) \
            == "incident_mention"


def test_staff_see_only_their_own_reports(app, client, login_as, site):
    other_reporter = make_user(app, username="rep", sites=[site])
    theirs = make_incident(app, site, other_reporter, description="Theirs")
    me = login_as("staff")
    mine = make_incident(app, site, me, description="Mine")
    listing = client.get("/incidents/").text
    assert mine.reference in listing and theirs.reference not in listing
    assert client.get(f"/incidents/{theirs.id}").status_code == 404
    assert client.get(f"/incidents/{mine.id}").status_code == 200
    assert "Triage" not in client.get(f"/incidents/{mine.id}").text


def test_list_filters_and_fragment(app, client, login_as, site):
    reporter = make_user(app, username="rep", sites=[site])
    low = make_incident(app, site, reporter, severity="low", description="Light out")
    high = make_incident(app, site, reporter, severity="high", description="Gas smell")
    login_as("inspector")
    by_severity = client.get("/incidents/?severity=high").text
    assert high.reference in by_severity and low.reference not in by_severity
    assert low.reference in client.get("/incidents/?q=light").text
    fragment = client.get("/incidents/?status=open", headers={
        "HX-Request": "true", "HX-Target": "incident_results"})
    assert fragment.text.lstrip().startswith('<div id="incident_results">')
    assert "2 incidents" in fragment.text
    with app.app_context():
        from datetime import datetime

        db.session.get(Incident, low.id).due_at = datetime(2020, 1, 1)
        db.session.commit()
    overdue = client.get("/incidents/?overdue=1").text
    assert low.reference in overdue and high.reference not in overdue and "Overdue" in overdue


def test_location_page_lists_incidents_there(app, client, login_as, site):
    location = first_location(app, site)
    incident = make_incident(app, site, login_as("inspector"), location=location)
    page = client.get(f"/sites/locations/{location.public_id}").text
    assert incident.reference in page and "Report an incident here" in page


def test_admin_adds_a_type_with_a_chinese_name(app, client, login_as, site):
    login_as("admin", sites=[site])
    token = csrf_from(client.get("/incidents/types/new").text)
    response = client.post("/incidents/types/new", data={
        "csrf_token": token, "code": "pest", "name": "Pest sighting", "name_zh": "虫害",
        "skill_role": "staff", "active": "y", "emergency_procedure": ""})
    assert response.status_code == 303
    duplicate = client.post("/incidents/types/new", data={"csrf_token": token, "code": "pest",
                                                          "skill_role": ""})
    assert "Another type uses this code." in duplicate.text
    assert "Pest sighting" in client.get("/incidents/report").text
    client.post("/language", data={"csrf_token": token, "language": "zh_Hans"})
    assert "虫害" in client.get("/incidents/report").text
    assert "设备故障" in client.get("/incidents/report").text  # built-in types are translated
    pest = type_id(app, "pest")
    client.post(f"/incidents/types/{pest}/edit", data={"csrf_token": token, "name": "Pest",
                                                       "skill_role": ""})
    client.get("/")  # shows (and so consumes) the "saved" message
    assert "虫害" not in client.get("/incidents/report").text  # unticked "offered": hidden


def test_procedure_files_per_type_reach_the_reporter(app, client, login_as, site):
    admin = app.test_client()
    sign_in(app, admin, make_user(app, username="root", roles=("admin",)))
    injury = type_id(app, "injury")
    page = admin.get(f"/incidents/types/{injury}/edit").text
    token = csrf_from(page)
    key = hidden_fields(page)["idempotency_key"]
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    for data, name, key_suffix in ((pdf, "first-aid.pdf", "a"), (image_bytes(), "map.jpg", "b")):
        response = admin.post(f"/incidents/types/{injury}/files", data={
            "csrf_token": token, "idempotency_key": key + key_suffix,
            "file": (BytesIO(data), name)}, content_type="multipart/form-data")
        assert response.status_code == 303
    refused = admin.post(f"/incidents/types/{injury}/files", data={
        "csrf_token": token, "file": (BytesIO(b"MZ\x90\x00 not a pdf"), "virus.pdf")},
        content_type="multipart/form-data")
    assert refused.status_code == 422 and "not a photo" in refused.text

    login_as("staff")
    _page, hidden = report_form(client)
    reported = client.post("/incidents/report", data={
        **hidden, "type": injury, "severity": "critical", "site": site.id, "location": "",
        "occurred_at": "2026-11-22T09:15", "description": "Cut hand"}, follow_redirects=True)
    assert "first-aid.pdf" in reported.text and "Emergency procedure" in reported.text
    link = re.search(r'href="(/attachments/[^"]+)"[^>]*download', reported.text).group(1)
    document = client.get(link)
    assert document.status_code == 200 and document.data.startswith(b"%PDF-")
    assert "attachment" in document.headers["Content-Disposition"]
    assert document.headers["Content-Security-Policy"].startswith("sandbox")


def test_filter_by_assignee(app, client, login_as, site):
    reporter = make_user(app, username="rep", sites=[site])
    tech = make_user(app, username="tech", name="Tech Zhang", roles=("technician",),
                     sites=[site])
    mine = make_incident(app, site, reporter, description="Given to tech")
    other = make_incident(app, site, reporter, description="Nobody has it")
    with app.app_context():
        db.session.get(Incident, mine.id).assignee_id = tech.id
        db.session.commit()
    login_as("supervisor")
    page = client.get(f"/incidents/?assignee={tech.id}").text
    assert mine.reference in page and other.reference not in page
    assert "Tech Zhang" in page  # offered in the assignee menu


def test_mentions_reach_only_people_who_can_open_the_incident(app, client, login_as, site):
    make_user(app, username="cleaner", roles=("staff",), sites=[site])
    colleague = make_user(app, username="mei", roles=("inspector",), sites=[site])
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]))
    login_as("supervisor")
    token = csrf_from(client.get(f"/incidents/{incident.id}").text)
    client.post(f"/incidents/{incident.id}/comments", data={
        "csrf_token": token, "text": "@cleaner @mei please look"})
    with app.app_context():
        told = db.session.scalars(select(Notification.user_id)).all()
    assert told == [colleague.id]


def test_dates_out_of_this_century_are_refused_not_500(app, client, login_as, site):
    login_as("supervisor")
    incident = make_incident(app, site, make_user(app, username="rep", sites=[site]))
    page = client.get(f"/incidents/{incident.id}").text
    for due in ("0001-01-01T00:00", "9999-12-31T23:59"):
        response = client.post(f"/incidents/{incident.id}/triage", data={
            "csrf_token": csrf_from(page), "severity": "low", "priority": "",
            "category": "", "assignee": "", "assigned_team": "", "due_at": due})
        assert response.status_code == 422 and "between 2000 and 2100" in response.text
    bad_sla = client.post(f"/incidents/sla/{site.id}", data={
        "csrf_token": csrf_from(page), "low_resolve": "sNaN"})
    assert bad_sla.status_code == 422


def test_the_list_pages_by_newer_and_older_links(app, client, login_as, site):
    """Plain links (no JavaScript needed); the count is said; no row repeats across pages."""
    from app.demo_volume import seed_volume

    user = login_as("supervisor")
    with app.app_context():
        people = {name: db.session.get(type(user), user.id)
                  for name in ("staff", "technician", "supervisor")}
        seed_volume([db.session.get(type(site), site.id)], people, 30)
        db.session.commit()
    first = client.get("/incidents/").text
    assert "30 incidents" in first and 'rel="prev"' not in first
    older = html.unescape(re.search(r'href="([^"]+)" rel="next">Older', first).group(1))
    second = client.get(older).text
    references = lambda page: set(re.findall(r"INC-\d{4}-\d{6}", page))  # noqa: E731
    assert len(references(first)) == 25 and len(references(second)) == 5
    assert not references(first) & references(second) and ">Newer<" in second
    newer = html.unescape(re.search(r'href="([^"]+)" rel="prev">Newer', second).group(1))
    assert references(client.get(newer).text) == references(first)
