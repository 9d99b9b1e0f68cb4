"""Answering an inspection through the test client: started from a location's page, each
answer saved on its own (htmx fragments with follow-ups and progress), bad answers refused
with the reason, completion with its score and actions, the report, the lists."""

import io
import re

import pytest
from sqlalchemy import func, select

from app.actions.models import Action
from app.extensions import db
from app.inspections.models import Inspection, InspectionAnswer
from tests.conftest import csrf_from, make_user
from tests.helpers import first_location, image_bytes, make_checklist

HTMX = {"HX-Request": "true"}


@pytest.fixture
def inspector(login_as):
    return login_as("inspector")


@pytest.fixture
def token(client, inspector):
    return csrf_from(client.get("/profile").text)


@pytest.fixture
def hygiene(app, site):
    """The demo hygiene checklist, published for all sites."""
    from app.inspections.demo import seed_checklists

    admin = make_user(app, username="boss", roles=("admin",))
    make_user(app, username="sup", name="Sue Visor", roles=("supervisor",), sites=[site])
    with app.test_request_context():
        templates = seed_checklists(db.session.get(type(admin), admin.id))
        db.session.commit()
        return templates[0].id


def _start(app, client, site, token, template_id, key="start-1") -> int:
    """Started with one tap on the location's page (the hygiene checklist's button is there)."""
    location = first_location(app, site)
    if key == "start-1":
        page = client.get(f"/sites/locations/{location.public_id}").text
        assert {"Inspections here", "Start: Site hygiene check"} <= _words(page) or \
            {"此处的检查", "开始：现场卫生检查"} <= _words(page)
    response = client.post(f"/inspections/start?location={location.public_id}", data={
        "csrf_token": token, "idempotency_key": key, "location": location.id,
        "template": template_id})
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _words(page: str) -> set[str]:
    return {text.strip() for text in re.findall(r">([^<]+)<", page)}


def _answer(client, inspection_id, key, token, value, note="", htmx=True, idem=None):
    headers = {**HTMX, "HX-Target": f"q-{key}"} if htmx else {}
    values = value if isinstance(value, list) else [value]
    return client.post(f"/inspections/{inspection_id}/answers/{key}", headers=headers, data={
        "csrf_token": token, "idempotency_key": idem or f"{key}-{value}-{note}",
        f"answer-{key}": values, f"note-{key}": note})


def _sign(client, inspection_id, token, key=None, headers=None):
    import base64

    drawn = "data:image/png;base64," + base64.b64encode(image_bytes("PNG")).decode()
    url = f"/inspections/{inspection_id}/signature" + (f"?key={key}" if key else "")
    return client.post(url, headers=headers or {}, data={
        "csrf_token": token, "idempotency_key": f"sign-{key}",
        f"signature-{key}" if key else "signature": drawn})


def _row(app, inspection_id, key) -> InspectionAnswer | None:
    with app.app_context():
        return db.session.scalar(select(InspectionAnswer).filter_by(inspection_id=inspection_id,
                                                          question_key=key))


def test_answer_one_at_a_time_and_complete(app, client, site, inspector, token, hygiene,
                                           login_as):
    inspection_id = _start(app, client, site, token, hygiene)
    page = client.get(f"/inspections/{inspection_id}").text
    assert "0 of 6 required answers given" in page  # the follow-up is hidden
    first = client.post(f"/inspections/{inspection_id}/complete", data={"csrf_token": token})
    assert first.status_code == 422 and 'value="pass" autofocus' in first.text  # the floor
    assert 'id="q-hy-which" class="question-part" hidden' in page
    saved = _answer(client, inspection_id, "hy-floor", token, "pass")
    assert saved.status_code == 200 and "<html" not in saved.text
    assert saved.text.lstrip().startswith('<div id="q-hy-floor"') and "Saved" in saved.text
    assert 'id="progress" class="progress" hx-swap-oob="true"' in saved.text
    assert "1 of 6 required answers given" in saved.text
    assert len(saved.data) < 8 * 1024
    # A "no" shows the follow-up at once, out of band.
    shown = _answer(client, inspection_id, "hy-emptied", token, "no")
    assert re.search(r'<div id="q-hy-which" class="question-part" hx-swap-oob="true">',
                     shown.text)
    assert "Which bins were overflowing?" in shown.text
    for key, value in (("hy-sign", "yes"), ("hy-contact", "pass"), ("hy-sorted", "pass"),
                       ("hy-which", "Kitchen, by the door")):
        assert _answer(client, inspection_id, key, token, value).status_code == 200
    failing = _answer(client, inspection_id, "hy-equip", token, "dirty")
    assert "✗ Failed" in failing.text and "a photo is required" in failing.text
    refused = client.post(f"/inspections/{inspection_id}/complete", data={"csrf_token": token})
    assert refused.status_code == 422
    assert "“Condition of the equipment” still needs a photo of what is wrong." in refused.text
    assert 'href="#q-hy-equip">Go to it</a>' in refused.text
    photo = client.post(f"/inspections/{inspection_id}/answers/hy-equip/photos", headers={
        **HTMX, "HX-Target": "q-hy-equip"}, data={
        "csrf_token": token, "idempotency_key": "photo-1",
        "photo-hy-equip": (io.BytesIO(image_bytes()), "grease.jpg")})
    assert photo.status_code == 200 and "/thumb" in photo.text
    unsigned = client.post(f"/inspections/{inspection_id}/complete", data={"csrf_token": token})
    assert unsigned.status_code == 422 and "Sign the inspection before completing it." in \
        unsigned.text
    signed = _sign(client, inspection_id, token, headers={**HTMX, "HX-Target": "signature"})
    assert signed.text.lstrip().startswith('<section id="signature"') and "Signed" in signed.text
    done = client.post(f"/inspections/{inspection_id}/complete", data={"csrf_token": token})
    assert done.status_code == 303
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        # 7 points possible (the floor counts twice); the dirty equipment and the bins not
        # emptied ("no") lose one each: 71 %, under the pass mark of 80 %
        assert (inspection.status, inspection.points, inspection.possible) == (
            "completed", 5, 7)
        assert inspection.passed is False and inspection.completed_at is not None
        action = db.session.scalar(select(Action))
        assert action.source_type == "inspectionanswer" and action.priority == 3
        assert action.title == "Condition of the equipment (Lobby point)"
        assert action.owner.username == "sup"
    report = client.get(f"/inspections/{inspection_id}").text
    assert "Failed items" in report and action.reference in report
    assert "71%: 5 of 7 points" in report and "Kitchen, by the door" in report
    late = _answer(client, inspection_id, "hy-floor", token, "fail")
    assert late.status_code == 422 and "completed" in late.text
    assert _row(app, inspection_id, "hy-floor").value == "pass"
    login_as("supervisor")
    action_page = client.get(f"/actions/{action.id}").text
    assert f"/inspections/{inspection_id}#answer-hy-equip" in action_page
    assert "The failed answer" in action_page and "Condition of the equipment" in action_page
    assert "Dirty" in action_page and "/thumb" in action_page


@pytest.mark.parametrize("value,message", [
    ("abc", "Enter a number such as 12.5"),
    ("3,5", "Enter a number such as 12.5"),
    ("NaN", "Enter a number such as 12.5"),
    ("1e400", "Enter a number such as 12.5"),
])
def test_bad_readings_are_refused_and_kept(app, client, site, inspector, token, value,
                                           message):
    from tests.helpers import make_inspection

    ids = make_checklist(app, site, inspector, publish=True)
    inspection = make_inspection(app, site, inspector, ids["template_id"])
    inspection_id, floor = inspection["inspection_id"], inspection["key"]
    _answer(client, inspection_id, floor, token, "fail")
    with app.app_context():
        reading = db.session.get(Inspection, inspection_id).version.questions[1].key
    for htmx in (True, False):
        response = _answer(client, inspection_id, reading, token, value, htmx=htmx,
                           idem=f"r-{htmx}")
        assert response.status_code == 422 and message in response.text
        assert f'value="{value}"' in response.text
    assert _row(app, inspection_id, reading) is None


def test_answers_that_cannot_be_given(app, client, site, inspector, token, hygiene):
    inspection_id = _start(app, client, site, token, hygiene)
    not_offered = _answer(client, inspection_id, "hy-equip", token, "sparkling")
    assert not_offered.status_code == 422 and "Choose one of the answers offered." in \
        not_offered.text
    hidden = _answer(client, inspection_id, "hy-which", token, "All of them")
    assert hidden.status_code == 422 and "not shown now" in hidden.text
    unknown = _answer(client, inspection_id, "nope", token, "pass")
    assert unknown.status_code == 422 and "not in the checklist" in unknown.text
    assert _row(app, inspection_id, "hy-which") is None


def test_a_retry_never_doubles_anything(app, client, site, inspector, token, hygiene):
    inspection_id = _start(app, client, site, token, hygiene)
    for _ in range(2):
        _answer(client, inspection_id, "hy-equip", token, "dirty", idem="same")
        client.post(f"/inspections/{inspection_id}/answers/hy-equip/photos", data={
            "csrf_token": token, "idempotency_key": "photo-same",
            "photo-hy-equip": (io.BytesIO(image_bytes()), "grease.jpg")})
    with app.app_context():
        from app.core.models import Attachment

        assert db.session.scalar(select(func.count(InspectionAnswer.id))) == 1
        assert db.session.scalar(select(func.count(Attachment.id)).where(
            Attachment.entity_type == "inspectionanswer")) == 1
    # Without JavaScript: the page comes back at the question, and shows what was saved.
    response = _answer(client, inspection_id, "hy-floor", token, "fail", htmx=False,
                       note="Sticky by the bar")
    assert response.status_code == 303 and response.headers["Location"].endswith("#q-hy-floor")
    resumed = client.get(response.headers["Location"]).text
    assert 'value="fail" checked' in resumed and "Sticky by the bar" in resumed


def test_a_new_version_leaves_a_completed_report_as_it_was(app, client, site, inspector,
                                                           token, login_as):
    from app.inspections import services
    from app.inspections.models import ChecklistTemplate

    inspection_id, ids, _floor = _completed(app, client, site, inspector, token)

    def report() -> str:
        page = client.get(f"/inspections/{inspection_id}").text
        return page[page.index("<main"):page.index("</main>")]

    report()  # the "completed" message, said once
    before = report()
    with app.test_request_context():
        template = db.session.get(ChecklistTemplate, ids["template_id"])
        by = template.versions[0].published_by
        draft = services.start_draft(template, by=by)
        services.update_question(draft.questions[0], prompt="Floor spotless?", kind="pass_fail",
                                 by=by)
        services.publish(template, change_note="Stricter", by=by)
        db.session.commit()
    assert report() == before and "Floor clean?" in before


def test_lists_of_inspections(app, client, site, inspector, token, hygiene, login_as):
    mine = _start(app, client, site, token, hygiene)
    page = client.get("/inspections/").text
    assert "To finish" in page and f"/inspections/{mine}" in page and "Resume" in page
    login_as("supervisor")
    everyone = client.get("/inspections/?scope=all").text
    assert f"/inspections/{mine}" in everyone
    assert "No inspection matches." in client.get("/inspections/?scope=all&status=completed"
                                                  ).text
    fragment = client.get("/inspections/?scope=all", headers={
        **HTMX, "HX-Target": "inspection_results"})
    assert fragment.text.lstrip().startswith('<div id="inspection_results"')


def test_start_ad_hoc_and_bad_choices(app, client, site, inspector, token, hygiene):
    page = client.get("/inspections/start").text
    assert "Site hygiene check" in page and "Lobby point" in page
    hidden = {**{k: v for k, v in re.findall(
        r'<input[^>]*name="(csrf_token|idempotency_key)"[^>]*value="([^"]*)"', page)}}
    refused = client.post("/inspections/start", data={**hidden, "location": "999",
                                                      "template": str(hygiene)})
    assert refused.status_code == 422 and "Choose a location of this site." in refused.text
    location = first_location(app, site)
    started = client.post("/inspections/start", data={
        **hidden, "location": location.id, "template": hygiene, "latitude": "31.23",
        "longitude": "121.47"})
    assert started.status_code == 303
    with app.app_context():
        inspection = db.session.scalar(select(Inspection))
        assert (inspection.latitude, inspection.longitude) == (31.23, 121.47)
        assert inspection.inspector_id == inspector.id


def test_signatures_are_checked_images(app, client, site, inspector, token, hygiene):
    from app.inspections.models import ChecklistTemplate

    inspection_id = _start(app, client, site, token, hygiene)
    for bad in ("", "data:image/png;base64,not-base64!", "data:text/html;base64,PGI+",
                "data:image/png;base64," + "QUFB" * 10):
        response = client.post(f"/inspections/{inspection_id}/signature", headers={
            **HTMX, "HX-Target": "signature"}, data={
            "csrf_token": token, "idempotency_key": f"bad-{len(bad)}", "signature": bad})
        assert response.status_code == 422, bad
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).signature_id is None
        service = db.session.scalar(select(ChecklistTemplate).filter_by(
            title="Service standard check")).id
    # A signature question (the customer's) is answered by its own pad.
    other = _start_other(app, client, site, token, service)
    signed = _sign(client, other, token, key="sv-sign",
                   headers={**HTMX, "HX-Target": "q-sv-sign"})
    assert signed.status_code == 200 and "Signed" in signed.text
    assert _row(app, other, "sv-sign").value is not None
    # Kept as a PNG (a drawing stays sharp), served as one.
    with app.app_context():
        from app.core.models import Attachment

        drawing = db.session.get(Attachment, _row(app, other, "sv-sign").value)
        assert (drawing.content_type, drawing.stored_name[-4:]) == ("image/png", ".png")
        public_id = drawing.public_id
    for url in (f"/attachments/{public_id}", f"/attachments/{public_id}/thumb"):
        served = client.get(url)
        assert served.mimetype == "image/png" and served.data[:8] == b"\x89PNG\r\n\x1a\n"


def _start_other(app, client, site, token, template_id) -> int:
    return _start(app, client, site, token, template_id, key=f"start-other-{template_id}")


def _completed(app, client, site, inspector, token) -> tuple[int, dict, str]:
    """An inspection of the helper's checklist, its first question passed, signed and
    completed: its id, the checklist's ids, the key of its first question."""
    from tests.helpers import make_inspection

    ids = make_checklist(app, site, inspector, publish=True)
    inspection_id = make_inspection(app, site, inspector, ids["template_id"])["inspection_id"]
    with app.app_context():
        floor = db.session.get(Inspection, inspection_id).version.questions[0].key
    _answer(client, inspection_id, floor, token, "pass")
    _sign(client, inspection_id, token)
    complete = client.post(f"/inspections/{inspection_id}/complete", data={"csrf_token": token})
    assert complete.status_code == 303
    return inspection_id, ids, floor


def test_a_supervisor_reopens_with_a_reason_and_completing_again_rescores(
        app, client, site, inspector, token, login_as):
    inspection_id, _ids, floor = _completed(app, client, site, inspector, token)
    assert "Reopen the inspection" not in client.get(f"/inspections/{inspection_id}").text
    login_as("supervisor")
    supervisor_token = csrf_from(client.get("/profile").text)
    no_reason = client.post(f"/inspections/{inspection_id}/reopen",
                            data={"csrf_token": supervisor_token, "reason": " "})
    assert no_reason.status_code == 422 and "This field is required." in no_reason.text
    reopened = client.post(f"/inspections/{inspection_id}/reopen", data={
        "csrf_token": supervisor_token, "reason": "The floor was not checked"})
    assert reopened.status_code == 303
    page = client.get(f"/inspections/{inspection_id}").text
    assert "Complete inspection" in page  # answerable again
    _answer(client, inspection_id, floor, supervisor_token, "fail", note="Still wet")
    with app.app_context():
        reading = db.session.get(Inspection, inspection_id).version.questions[1].key
    _answer(client, inspection_id, reading, supervisor_token, "3")
    assert client.post(f"/inspections/{inspection_id}/complete",
                       data={"csrf_token": supervisor_token}).status_code == 303
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        assert (inspection.points, inspection.possible, inspection.reopen_count) == (1, 2, 1)
    report = client.get(f"/inspections/{inspection_id}").text
    assert report.count("completed the inspection") == 2
    assert "reopened it: The floor was not checked" in report


def test_a_report_in_chinese_as_a_pdf(app, client, site, hygiene, login_as):
    """The PDF's text extracts back as the same Chinese characters, in a Chinese (SC) font
    it embeds."""
    from pypdf import PdfReader

    chinese = login_as("inspector", language="zh_Hans", username="li")
    token = csrf_from(client.get("/profile").text)
    inspection_id = _start(app, client, site, token, hygiene)
    for key, value in (("hy-floor", "pass"), ("hy-sign", "yes"), ("hy-equip", "clean"),
                       ("hy-contact", "pass"), ("hy-sorted", "pass"), ("hy-emptied", "yes")):
        _answer(client, inspection_id, key, token, value)
    _sign(client, inspection_id, token)
    assert client.post(f"/inspections/{inspection_id}/complete",
                       data={"csrf_token": token}).status_code == 303
    assert chinese.language == "zh_Hans"
    response = client.get(f"/inspections/{inspection_id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    for words in ("现场卫生检查", "地面干净干燥", "设备状况", "合格线", "签名"):
        assert words in text.replace(" ", ""), words
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert any("Noto-Sans-CJK-SC" in name for name in fonts), fonts  # SC, not JP forms
    open_one = _start_other(app, client, site, token, hygiene)
    assert client.get(f"/inspections/{open_one}/report.pdf").status_code == 303


# --- without JavaScript: each section is one form ------------------------------------------------

def _section(client, inspection_id, number, token, fields, idem=None):
    return client.post(f"/inspections/{inspection_id}/sections/{number}", data={
        "csrf_token": token, "idempotency_key": idem or f"section-{number}-{sorted(fields)}",
        **fields}, content_type="multipart/form-data")


def _section_ids(app, inspection_id) -> list[int]:
    with app.app_context():
        return [s.id for s in db.session.get(Inspection, inspection_id).version.sections]


def test_a_section_is_saved_whole_without_javascript(app, client, site, inspector, token,
                                                      hygiene):
    inspection_id = _start(app, client, site, token, hygiene)
    page = client.get(f"/inspections/{inspection_id}").text
    assert f'action="/inspections/{inspection_id}/sections/3"' in page
    assert 'name="answer-hy-sorted" value="pass"' in page and 'name="note-hy-sorted"' in page
    assert "<noscript><div class=\"button-row\"><button type=\"submit\">Save this section" in page
    waste = _section_ids(app, inspection_id)[2]
    saved = _section(client, inspection_id, 3, token, {
        "answer-hy-sorted": "pass", "note-hy-sorted": "", "answer-hy-emptied": "no",
        "note-hy-emptied": ""})
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"/inspections/{inspection_id}#is-{waste}")
    page = client.get(f"/inspections/{inspection_id}").text
    assert "Section saved." in page and "2 of 7 required answers given" in page
    assert "Which bins were overflowing?" in page  # the follow-up the "no" shows
    assert (_row(app, inspection_id, "hy-sorted").value, _row(app, inspection_id,
                                                              "hy-emptied").value) == (
        "pass", "no")
    # Sent again with the follow-up: only what changed is saved.
    _section(client, inspection_id, 3, token, {
        "answer-hy-sorted": "pass", "note-hy-sorted": "", "answer-hy-emptied": "no",
        "note-hy-emptied": "", "answer-hy-which": "By the kitchen door", "note-hy-which": ""})
    assert _row(app, inspection_id, "hy-which").value == "By the kitchen door"
    assert "Section saved." in client.get(f"/inspections/{inspection_id}").text
    unchanged = _section(client, inspection_id, 3, token, {
        "answer-hy-sorted": "pass", "note-hy-sorted": "", "answer-hy-emptied": "no",
        "note-hy-emptied": "", "answer-hy-which": "By the kitchen door", "note-hy-which": ""},
        idem="again")
    assert unchanged.status_code == 303
    assert "Section saved." not in client.get(f"/inspections/{inspection_id}").text
    # A "yes" hides the follow-up: what the page still sent for it is left alone.
    _section(client, inspection_id, 3, token, {
        "answer-hy-emptied": "yes", "answer-hy-which": "Changed meanwhile"})
    assert _row(app, inspection_id, "hy-emptied").value == "yes"
    assert _row(app, inspection_id, "hy-which").value == "By the kitchen door"
    assert 'id="q-hy-which" class="question-part" hidden' in \
        client.get(f"/inspections/{inspection_id}").text


def test_a_section_keeps_what_was_saved_and_says_what_was_refused(
        app, client, site, inspector, token, hygiene):
    inspection_id = _start(app, client, site, token, hygiene)
    partly = _section(client, inspection_id, 2, token, {
        "answer-hy-equip": "spotless", "note-hy-equip": "Greasy <b>handles</b>",
        "answer-hy-contact": "fail", "note-hy-contact": "Not wiped since noon"})
    assert partly.status_code == 200  # what was saved is kept
    assert "Some answers were not saved: see what is said beside them." in partly.text
    assert 'id="e-hy-equip" role="alert">Choose one of the answers offered.' in partly.text
    assert "Greasy &lt;b&gt;handles&lt;/b&gt;</textarea>" in partly.text  # kept, escaped
    assert re.search(r'name="answer-hy-equip" value="clean"[^>]*autofocus', partly.text)
    contact = _row(app, inspection_id, "hy-contact")
    assert (contact.value, contact.failed, contact.note) == ("fail", True, "Not wiped since noon")
    assert _row(app, inspection_id, "hy-equip") is None
    refused = _section(client, inspection_id, 1, token, {"answer-hy-floor": "maybe"})
    assert refused.status_code == 422 and _row(app, inspection_id, "hy-floor") is None


def test_a_photo_goes_with_its_section(app, client, site, inspector, token, hygiene):
    from app.core.models import Attachment

    inspection_id = _start(app, client, site, token, hygiene)
    failing = _section(client, inspection_id, 2, token, {"answer-hy-equip": "dirty"})
    assert failing.status_code == 303
    page = client.get(f"/inspections/{inspection_id}").text
    assert 'name="photo-hy-equip"' in page and "a photo is required" in page
    for _ in range(2):  # the browser sends the form twice: one photo
        _section(client, inspection_id, 2, token, {
            "answer-hy-equip": "dirty", "photo-hy-equip": (io.BytesIO(image_bytes()), "g.jpg")},
            idem="with-photo")
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id)).where(
            Attachment.entity_type == "inspectionanswer")) == 1
    assert "a photo is required" not in client.get(f"/inspections/{inspection_id}").text
    not_an_image = _section(client, inspection_id, 2, token, {
        "photo-hy-equip": (io.BytesIO(b"plain text"), "g.jpg")})
    assert not_an_image.status_code == 422 and 'id="e-hy-equip"' in not_an_image.text


def test_sections_outside_the_checklist_or_after_completion(app, client, site, inspector,
                                                             token):
    inspection_id, _ids, floor = _completed(app, client, site, inspector, token)
    for number in (0, 9):
        assert _section(client, inspection_id, number, token, {}).status_code == 404
    late = _section(client, inspection_id, 1, token, {f"answer-{floor}": "fail"})
    assert late.status_code == 303
    assert "This inspection is completed: it can no longer change." in \
        client.get(late.headers["Location"]).text
    assert _row(app, inspection_id, floor).value == "pass"


# --- the history and its CSV --------------------------------------------------------------------

def test_the_history_filters_and_its_csv(app, client, site, inspector, token, hygiene, login_as):
    import csv

    first = _start(app, client, site, token, hygiene)
    _answer(client, first, "hy-floor", token, "fail", note="=HYPERLINK(\"x\") 地面湿滑")
    _answer(client, first, "hy-sign", token, "yes")
    login_as("inspector", username="other")
    other_token = csrf_from(client.get("/profile").text)
    second = _start(app, client, site, other_token, hygiene, key="start-other")
    everyone = client.get("/inspections/?scope=all").text
    assert f"/inspections/{first}\"" in everyone and f"/inspections/{second}\"" in everyone
    with app.app_context():
        first_by = db.session.get(Inspection, first).inspector_id
        started = db.session.get(Inspection, first).started_at.date()
    by_person = client.get(f"/inspections/?scope=all&inspector={first_by}").text
    assert f"/inspections/{first}\"" in by_person and f"/inspections/{second}\"" not in by_person
    later = (started.replace(year=started.year + 1)).isoformat()
    assert "No inspection matches." in client.get(f"/inspections/?scope=all&since={later}").text
    assert f"/inspections/{first}\"" in client.get(
        f"/inspections/?scope=all&template={hygiene}&until={later}").text
    assert "No inspection matches." in client.get("/inspections/?scope=all&result=passed").text
    assert client.get("/inspections/?scope=all&since=not-a-day&inspector=x").status_code == 200

    download = client.get(f"/inspections/answers.csv?scope=all&inspector={first_by}")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.data.startswith("\ufeff".encode())  # spreadsheets then read Chinese
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert rows[0] == ["Inspection", "Date", "Site", "Location", "Checklist", "Version",
                       "Section", "Question", "Answer", "Failed", "Note", "Photos", "Action"]
    floor = next(row for row in rows if row[7] == "Floors clean and dry")
    assert floor[4:7] == ["Site hygiene check", "1", "Floors and surfaces"]
    assert floor[8:12] == ["Fail", "yes", "'=HYPERLINK(\"x\") 地面湿滑", "0"]  # neutralised
    assert len(rows) == 3  # the other inspector's inspection has no answers, and is not his


def test_the_csv_of_a_large_history_is_streamed(app, client, site, inspector, token, hygiene):
    first = _start(app, client, site, token, hygiene)
    _answer(client, first, "hy-floor", token, "pass")
    download = client.get("/inspections/answers.csv", buffered=False)
    assert download.is_streamed  # read as it is sent, never whole in memory
    assert b"Floors clean and dry" in b"".join(download.response)
