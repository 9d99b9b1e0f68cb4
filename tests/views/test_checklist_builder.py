"""The checklist builder through the test client: plain forms and htmx fragments, bad input
kept and refused, publishing, versions, preview, JSON export and import, response sets."""

import copy
import io
import json
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.inspections import documents
from app.inspections.models import (
    ChecklistSection,
    ChecklistTemplate,
    ChecklistVersion,
    ResponseSet,
)
from tests.conftest import csrf_from
from tests.helpers import hidden_fields, make_checklist

HTMX = {"HX-Request": "true"}


@pytest.fixture
def supervisor(login_as):
    return login_as("supervisor")


@pytest.fixture
def token(client, supervisor):
    return csrf_from(client.get("/profile").text)


def _htmx(target: str) -> dict:
    return {**HTMX, "HX-Target": target}


def _draft_questions(app, template_id) -> list[dict]:
    """The draft's questions, in order: id, key, prompt."""
    with app.app_context():
        draft = db.session.get(ChecklistTemplate, template_id).draft
        return [{"id": q.id, "key": q.key, "prompt": q.prompt, "section_id": q.section_id}
                for q in draft.questions]


def _scalar(app, statement):
    with app.app_context():
        return db.session.scalar(statement)


def _exported(app, version_id) -> dict:
    with app.app_context():
        return documents.export_version(db.session.get(ChecklistVersion, version_id))


def _question_fields(prefix: str, **values) -> dict:
    fields = {"kind": "pass_fail", "prompt": "", "prompt_zh": "", "help": "", "help_zh": "",
              "required": "y", "weight": "1", "unit": "", "lower": "", "upper": "",
              "response_set_id": "", "action_priority": "3", "action_due_days": "7",
              "show_if": ""}
    fields.update(values)
    return {f"{prefix}-{name}": value for name, value in fields.items() if value is not None}


def test_build_publish_and_edit_again_without_javascript(app, client, site, supervisor, token):
    page = client.get("/inspections/templates/new").text
    response = client.post("/inspections/templates/new", data={
        **hidden_fields(page, "csrf_token", "idempotency_key"), "title": "Fridge round",
        "title_zh": "冰箱巡检", "pass_threshold": "90", "used_at": "chosen", "sites": site.id})
    assert response.status_code == 303
    template_id = _scalar(app, select(ChecklistTemplate.id))
    builder = response.headers["Location"]
    assert builder == f"/inspections/templates/{template_id}/builder"
    response = client.post(f"/inspections/templates/{template_id}/sections",
                           data={"csrf_token": token, "section-title": "Kitchen",
                                 "section-title_zh": "厨房"})
    assert response.status_code == 303
    section_id = _scalar(app, select(ChecklistSection.id))
    for values in ({"kind": "number", "prompt": "Fridge temperature", "unit": "°C",
                    "lower": "0", "upper": "5"},
                   {"kind": "pass_fail", "prompt": "Door seal intact?"}):
        response = client.post(f"/inspections/sections/{section_id}/questions",
                               data={"csrf_token": token,
                                     **_question_fields(f"new{section_id}", **values)})
        assert response.status_code == 303, response.text
    _reading, seal = _draft_questions(app, template_id)
    # Reorder: the seal first, then its follow-up photo shown on "fail".
    assert client.post(f"/inspections/questions/{seal['id']}/move",
                       data={"csrf_token": token, "direction": "up"}).status_code == 303
    response = client.post(f"/inspections/sections/{section_id}/questions", data={
        "csrf_token": token, **_question_fields(f"new{section_id}", kind="photo",
                                                prompt="Photo of the seal",
                                                show_if=f"{seal['key']}:fail")})
    assert response.status_code == 303
    page = client.get(builder).text
    assert page.index("Door seal intact?") < page.index("Fridge temperature")
    assert "Shown when “Door seal intact?” is Fail" in page
    assert "from 0 to 5 °C" in page
    response = client.post(f"/inspections/templates/{template_id}/publish",
                           data={"csrf_token": token, "change_note": "First round"})
    assert response.status_code == 303
    with app.app_context():
        v1 = db.session.get(ChecklistTemplate, template_id).published
        assert (v1.number, v1.change_note, v1.published_by_id) == (1, "First round",
                                                                   supervisor.id)
        v1_id = v1.id
    # Edit again: a second draft, changed and published; version 1 stays as it was.
    assert client.post(f"/inspections/templates/{template_id}/draft",
                       data={"csrf_token": token}).headers["Location"] == builder
    moved = _draft_questions(app, template_id)[1]
    response = client.post(f"/inspections/questions/{moved['id']}", data={
        "csrf_token": token, **_question_fields(f"q{moved['id']}", kind="number",
                                                prompt="Fridge temperature (top shelf)",
                                                unit="°C", lower="0", upper="4")})
    assert response.status_code == 303
    client.post(f"/inspections/templates/{template_id}/publish",
                data={"csrf_token": token, "change_note": "Top shelf, 4 °C"})
    with app.app_context():
        versions = db.session.get(ChecklistTemplate, template_id).versions
        assert [v.number for v in versions] == [1, 2] and not any(v.is_draft for v in versions)
        v2_id = versions[1].id
    old = client.get(f"/inspections/versions/{v1_id}").text
    assert "from 0 to 5 °C" in old and "top shelf" not in old
    assert "from 0 to 4 °C" in client.get(f"/inspections/versions/{v2_id}").text
    history = client.get(f"/inspections/templates/{template_id}").text
    assert "Top shelf, 4 °C" in history and "First round" in history


def test_builder_changes_swap_only_the_changed_part(app, client, site, supervisor, token):
    ids = make_checklist(app, site, supervisor)
    section_id = ids["section_id"]
    target = f"section-{section_id}"
    asked = client.get(f"/inspections/sections/{section_id}/questions",
                       headers=_htmx(f"add-{section_id}"))
    assert asked.text.lstrip().startswith("<form") and f'name="new{section_id}-prompt"' in \
        asked.text
    page = client.get(f"/inspections/sections/{section_id}/questions").text
    assert "<html" in page and "Add a question" in page
    response = client.post(f"/inspections/sections/{section_id}/questions",
                           headers=_htmx(target), data={
                               "csrf_token": token,
                               **_question_fields(f"new{section_id}", prompt="Mop stored?")})
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith(f'<section id="{target}"')
    assert "Mop stored?" in response.text
    question_id = _draft_questions(app, ids["template_id"])[-1]["id"]
    form = client.get(f"/inspections/questions/{question_id}",
                      headers=_htmx(f"question-{question_id}"))
    assert form.text.lstrip().startswith(f'<li id="question-{question_id}"')
    assert f'name="q{question_id}-prompt"' in form.text
    moved = client.post(f"/inspections/questions/{question_id}/move",
                        headers=_htmx(target), data={"csrf_token": token, "direction": "up"})
    assert moved.status_code == 200 and moved.text.lstrip().startswith(f'<section id="{target}"')
    # A new section: the outline, which holds every section.
    added = client.post(f"/inspections/templates/{ids['template_id']}/sections",
                        headers=_htmx("outline"),
                        data={"csrf_token": token, "section-title": "Waste"})
    assert added.text.lstrip().startswith('<div id="outline"')
    # Past the bottom of its section, a question moves into the next: the outline again.
    last = [q for q in _draft_questions(app, ids["template_id"])
            if q["section_id"] == section_id][-1]
    crossed = client.post(f"/inspections/questions/{last['id']}/move", headers=_htmx(target),
                          data={"csrf_token": token, "direction": "down"})
    assert crossed.headers["HX-Retarget"] == "#outline"
    assert crossed.headers["Vary"] and "HX-Target" in crossed.headers["Vary"]


@pytest.mark.parametrize("values,error", [
    ({"prompt": "", "prompt_zh": ""}, "Write it in English or in Chinese."),
    ({"prompt": "x" * 501}, "Use at most 500 characters."),
    ({"kind": "number", "prompt": "Pressure", "lower": "9", "upper": "1"},
     "The upper limit must not be below the lower limit."),
    ({"kind": "number", "prompt": "Pressure", "lower": "NaN"}, "Enter a number, not nan."),
    ({"kind": "number", "prompt": "Pressure", "upper": "abc"}, "Not a valid float value."),
    ({"weight": "-3", "prompt": "Clean?"}, "Use a weight from 0 to 100."),
    ({"kind": "choice", "prompt": "Bins"}, "Choose the answers' response set."),
])
def test_bad_question_input_is_refused_and_kept(app, client, site, supervisor, token, values,
                                                error):
    ids = make_checklist(app, site, supervisor)
    section_id = ids["section_id"]
    data = {"csrf_token": token, **_question_fields(f"new{section_id}", **values)}
    for headers in ({}, _htmx(f"section-{section_id}")):
        response = client.post(f"/inspections/sections/{section_id}/questions", data=data,
                               headers=headers)
        assert response.status_code == 422 and error in response.text
        typed = values.get("upper") or values.get("lower") or values.get("prompt")
        if typed and typed != "NaN":
            assert f'value="{typed}"' in response.text
    assert len(_draft_questions(app, ids["template_id"])) == 2


def test_a_follow_up_of_a_later_question_is_refused(app, client, site, supervisor, token):
    ids = make_checklist(app, site, supervisor)
    floor, reading = _draft_questions(app, ids["template_id"])
    response = client.post(f"/inspections/questions/{floor['id']}", data={
        "csrf_token": token, **_question_fields(f"q{floor['id']}", prompt="Floor clean?",
                                                show_if=f"{reading['key']}:failure")})
    assert response.status_code == 422
    assert "Choose an earlier question that is not a follow-up itself." in response.text
    refused = client.post(f"/inspections/questions/{reading['id']}/move",
                          data={"csrf_token": token, "direction": "up"})
    assert refused.status_code == 303
    assert "before the question it follows" in client.get(refused.headers["Location"]).text


def test_no_builder_route_changes_a_published_version(app, client, site, supervisor, token):
    ids = make_checklist(app, site, supervisor, publish=True)
    before = _exported(app, ids["version_id"])
    question, section = ids["question_id"], ids["section_id"]
    posts = [f"/inspections/templates/{ids['template_id']}/settings",
             f"/inspections/templates/{ids['template_id']}/sections",
             f"/inspections/templates/{ids['template_id']}/publish",
             f"/inspections/templates/{ids['template_id']}/discard",
             *(f"/inspections/sections/{section}{end}"
               for end in ("", "/move", "/duplicate", "/delete", "/questions")),
             *(f"/inspections/questions/{question}{end}"
               for end in ("", "/move", "/duplicate", "/delete"))]
    data = {"csrf_token": token, "title": "Changed", "section-title": "Added",
            "change_note": "x", "direction": "up",
            **_question_fields(f"q{question}", prompt="Changed"),
            **_question_fields(f"new{section}", prompt="Added"),
            f"s{section}-title": "Changed"}
    for url in posts:
        for headers in ({}, _htmx(f"section-{section}")):
            response = client.post(url, data=data, headers=headers)
            assert response.status_code in (303, 422), url
    assert _exported(app, ids["version_id"]) == before
    assert _scalar(app, select(func.count(ChecklistVersion.id))) == 1


def test_preview_version_page_and_export(app, client, site, supervisor):
    ids = make_checklist(app, site, supervisor, publish=True)
    preview = client.get(f"/inspections/versions/{ids['version_id']}/preview").text
    assert 'value="fail"' in preview and 'value="na"' in preview
    exported = client.get(f"/inspections/versions/{ids['version_id']}/export")
    assert exported.mimetype == "application/json"
    assert "attachment" in exported.headers["Content-Disposition"]
    document = json.loads(exported.text)
    assert document["schema"] == "fieldbook.checklist/1" and document["title_zh"] == "卫生检查"


def test_import_a_file_or_list_its_problems(app, client, site, supervisor):
    ids = make_checklist(app, site, supervisor, publish=True)
    document = json.loads(client.get(f"/inspections/versions/{ids['version_id']}/export").text)
    page = client.get("/inspections/templates/import").text
    hidden = hidden_fields(page, "csrf_token", "idempotency_key")
    broken = {**copy.deepcopy(document), "pass_threshold": "high"}
    broken["sections"][0]["questions"][1]["lower"] = 10
    response = client.post("/inspections/templates/import", data={
        **hidden, "document": (io.BytesIO(json.dumps(broken).encode()), "round.json")})
    assert response.status_code == 422
    assert "nothing was imported" in response.text
    assert "<code>pass_threshold</code>" in response.text
    assert "<code>sections[0].questions[1].upper</code>" in response.text
    not_json = client.post("/inspections/templates/import", data={
        **hidden_fields(page, "csrf_token"), "idempotency_key": "other",
        "document": (io.BytesIO(b"{nope"), "round.json")})
    assert not_json.status_code == 422 and "not valid JSON (line 1" in not_json.text
    assert _scalar(app, select(func.count(ChecklistTemplate.id))) == 1
    response = client.post("/inspections/templates/import", data={
        **hidden_fields(page, "csrf_token"), "idempotency_key": "third",
        "document": (io.BytesIO(json.dumps(document).encode()), "round.json")})
    assert response.status_code == 303
    with app.app_context():
        imported = db.session.scalar(select(ChecklistTemplate)
                                     .order_by(ChecklistTemplate.id.desc()))
        assert imported.draft is not None and [s.id for s in imported.sites] == [site.id]


def test_response_sets(app, client, supervisor):
    page = client.get("/inspections/response-sets/new").text
    hidden = hidden_fields(page, "csrf_token", "idempotency_key")
    one = {**hidden, "name": "Condition", "choices-0-choice": "Good", "choices-1-choice": ""}
    response = client.post("/inspections/response-sets/new", data=one)
    assert response.status_code == 422 and "Give at least two choices." in response.text
    assert 'value="Good"' in response.text
    more = client.post("/inspections/response-sets/new", data={**one, "more": "1"})
    assert more.status_code == 200 and 'name="choices-4-choice"' in more.text
    fresh = hidden_fields(more.text, "idempotency_key")  # the "more" answer used the first
    assert fresh["idempotency_key"] != hidden["idempotency_key"]
    response = client.post("/inspections/response-sets/new", data={
        **one, **fresh, "choices-1-choice": "Worn", "choices-1-choice_zh": "磨损",
        "choices-1-failure": "y"})
    assert response.status_code == 303
    saved = _scalar(app, select(ResponseSet))
    assert [(c["label"], c["failure"]) for c in saved.choices] == [("Good", False),
                                                                  ("Worn", True)]
    value = saved.choices[1]["value"]
    edit = client.get(f"/inspections/response-sets/{saved.id}").text
    fields = hidden_fields(edit, "csrf_token", "choices-0-value", "choices-1-value")
    client.post(f"/inspections/response-sets/{saved.id}", data={
        **fields, "name": "Condition", "choices-0-choice": "Good",
        "choices-1-choice": "Worn out", "choices-1-failure": "y"})
    assert _scalar(app, select(ResponseSet.choices))[1] == {
        "value": value, "label": "Worn out", "label_zh": "", "failure": True}
    assert "Worn out" in client.get("/inspections/response-sets").text


def test_the_list_filters_and_who_sees_what(app, client, site, supervisor, login_as):
    make_checklist(app, site, supervisor, publish=True)
    page = client.get("/inspections/templates?q=hygiene").text
    assert "Hygiene check" in page and "1 checklist" in page
    assert "No checklist matches." in client.get("/inspections/templates?status=draft").text
    assert "Hygiene check" in client.get("/inspections/templates?q=卫生").text
    login_as("inspector")
    page = client.get("/inspections/templates").text
    assert "Hygiene check" in page and "New checklist" not in page
    template_id = _scalar(app, select(ChecklistTemplate.id))
    assert client.get(f"/inspections/templates/{template_id}/builder").status_code == 403
    assert re.search(r"Preview", client.get(
        f"/inspections/versions/{_scalar(app, select(ChecklistVersion.id))}").text)


def test_an_instruction_shows_its_picture_in_every_version(app, client, site, supervisor,
                                                           token, login_as):
    from tests.helpers import image_bytes

    ids = make_checklist(app, site, supervisor)
    section_id = ids["section_id"]
    fields = _question_fields(f"new{section_id}", kind="instruction",
                              prompt="Lock out the panel first")
    not_a_picture = client.post(f"/inspections/sections/{section_id}/questions", data={
        "csrf_token": token, **fields, f"new{section_id}-image": (io.BytesIO(b"%PDF-1.4"),
                                                                   "steps.jpg")})
    assert not_a_picture.status_code == 422
    assert 'value="Lock out the panel first"' in not_a_picture.text
    response = client.post(f"/inspections/sections/{section_id}/questions", data={
        "csrf_token": token, **fields,
        f"new{section_id}-image": (io.BytesIO(image_bytes()), "steps.jpg")})
    assert response.status_code == 303
    client.post(f"/inspections/templates/{ids['template_id']}/publish",
                data={"csrf_token": token, "change_note": "With the procedure"})
    client.post(f"/inspections/templates/{ids['template_id']}/draft", data={"csrf_token": token})
    with app.app_context():
        versions = db.session.get(ChecklistTemplate, ids["template_id"]).versions
        pictures = [v.questions[-1].image for v in versions]
        assert pictures[0] is not None and pictures[0].id == pictures[1].id
        thumb = f"/attachments/{pictures[0].public_id}/thumb"
        preview = f"/inspections/versions/{versions[0].id}/preview"
    assert thumb in client.get(preview).text
    assert client.get(thumb).status_code == 200
    login_as("inspector")
    assert client.get(thumb).status_code == 200  # whoever may see the checklist
    login_as("inspector", sites=[], username="elsewhere")
    assert client.get(thumb).status_code == 404


def test_a_chinese_reader_builds_and_previews_in_chinese(app, client, site, login_as):
    chinese = login_as("supervisor", language="zh_Hans", username="wang")
    ids = make_checklist(app, site, chinese, publish=True)
    template = client.get(f"/inspections/templates/{ids['template_id']}").text
    assert "卫生检查" in template and "编辑：开始第 2 版" in template
    preview = client.get(f"/inspections/versions/{ids['version_id']}/preview").text
    assert "不合格" in preview and "不适用" in preview and "预览" in preview
    token = csrf_from(client.get("/profile").text)
    client.post(f"/inspections/templates/{ids['template_id']}/draft", data={"csrf_token": token})
    builder = client.get(f"/inspections/templates/{ids['template_id']}/builder").text
    assert "向本分区添加问题" in builder and "发布第 2 版" in builder


def test_the_preview_shows_follow_ups_failures_and_the_score(app, client, site, supervisor):
    ids = make_checklist(app, site, supervisor, publish=True)
    url = f"/inspections/versions/{ids['version_id']}/preview"
    with app.app_context():
        floor, reading = db.session.get(ChecklistVersion, ids["version_id"]).questions
        floor_key, reading_key = floor.key, reading.key
    first = client.get(url).text
    assert "Fridge temperature" not in first and "No answer scored yet." in first
    passed = client.get(url, query_string={f"answer-{floor_key}": "pass"})
    assert "Fridge temperature" not in passed.text and "Score 100%" in passed.text
    failed = client.get(url, query_string={f"answer-{floor_key}": "fail",
                                           f"answer-{reading_key}": "7.5"},
                        headers=_htmx("preview_answers"))
    assert failed.text.lstrip().startswith('<div id="preview_answers"')
    assert "Fridge temperature" in failed.text and 'value="7.5"' in failed.text
    assert "Within 0 – 5 °C" in failed.text
    assert failed.text.count("✗ Failed") == 2 and "Score 0%: 0 of 2 points." in failed.text
    nonsense = client.get(url, query_string={f"answer-{reading_key}": "nan"})
    assert nonsense.status_code == 200


def test_a_supervisor_of_no_site_is_told_why_an_import_is_refused(app, client, site,
                                                                  supervisor, login_as):
    ids = make_checklist(app, site, supervisor, publish=True)
    document = client.get(f"/inspections/versions/{ids['version_id']}/export").text
    login_as("supervisor", sites=[], username="nowhere")
    page = client.get("/inspections/templates/import").text
    response = client.post("/inspections/templates/import", data={
        **hidden_fields(page, "csrf_token", "idempotency_key"),
        "document": (io.BytesIO(document.encode()), "round.json")})
    assert response.status_code == 422
    assert "Choose the sites it is used at, or all sites." in response.text
    assert _scalar(app, select(func.count(ChecklistTemplate.id))) == 1
