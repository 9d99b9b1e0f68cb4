"""Bad input on every form: never a 500, never raw markup echoed, typed text kept."""

import pytest

from tests.conftest import csrf_from
from tests.views.test_route_matrix import (  # noqa: F401
    _fresh_records,
    own_records,
    routes,
    url_for_rule,
    world,
)

NASTY = {
    "empty": "",
    "too long": "x" * 5000,
    "script": "<script>alert('x')</script>",
    "unicode": "名字 ✓ 🚧 \u202e\u0000",
    "wrong type": "-1e309",
    "huge number": "9" * 30,
}
FIELDS = ("name", "code", "address", "timezone", "notes", "area", "login", "password",
          "current_password", "new_password", "confirm", "username", "email", "roles", "sites",
          "language", "active", "remember", "idempotency_key", "title", "text", "note",
          "severity", "type", "description", "occurred_at", "people_involved",
          "immediate_action", "priority", "category", "assignee", "assigned_team", "due_at",
          "root_cause_category", "root_cause", "owner", "due_date", "effective", "to",
          "name_zh", "skill_role", "emergency_procedure", "is_complaint", "site", "location",
          "reason", "opens", "closes", "kind", "channel", "where_text", "contact_name",
          "contact_phone", "contact_email", "website", "started", "rating", "comment", "file",
          "title_zh", "description_zh", "pass_threshold", "used_at", "change_note", "direction",
          "document", "choices-0-choice", "choices-0-choice_zh", "choices-1-choice", "value",
          "note", "photo", "signature", "template", "latitude", "longitude", "times",
          "frequency", "assignee", "starts_on", "ends_on", "window_minutes", "grace_minutes",
          "month_day", "month_ordinal", "month_weekday", "location_ids", "weekdays", "opens",
          "parent_code", "make", "model", "serial_number", "barcode", "purchase_date",
          "purchase_cost", "warranty_ends_on", "status", "criticality", "unit", "counting",
          "due_on", "asset_down", "photos", "skill", "assignees", "hold_reason", "work_done",
          "back_in_service", "tasks", "estimated_hours", "every", "every_unit", "fixed",
          "lead_days", "meter", "meter_every", "meter_above", "meter_below", "lead_units",
          "sku", "unit_cost", "reorder_point", "reorder_quantity", "barcodes", "codes", "bin",
          "item", "quantity", "to_store", "to_bin", "change", "supplier", "reference",
          "work_order", "person", "cost_centre", "allows_negative", "request", "hourly_rate",
          "scope", "bins", "categories", "items", "blind", "bin_scan_first",
          "tolerance_quantity", "tolerance_value", "add", "lines", "recounter", "uncounted",
          "raise_action")
# The builder's forms: one per question and section, each with its own prefix; an inspection's
# fields are named after their question.
QUESTION_FIELDS = ("kind", "prompt", "prompt_zh", "help", "help_zh", "weight", "unit", "lower",
                   "upper", "response_set_id", "action_priority", "action_due_days", "show_if")


def keyed_fields(records, value) -> dict:
    """The builder's fields, and those of the matrix inspection's first question."""
    section, question, key = records["section_id"], records["question_id"], records["key"]
    answer = {f"{name}-{key}": value for name in ("answer", "note", "photo", "signature")}
    fields = {f"{prefix}-{name}": value for prefix in (f"new{section}", f"q{question}")
              for name in QUESTION_FIELDS}
    reading = {f"m{records['meter_id']}-{name}": value for name in ("value", "is_reset", "note")}
    lists = {f"{kind}-{name}": value for kind in ("category", "failure", "cause", "remedy")
             for name in ("name", "name_zh")}
    return {**fields, **answer, **reading, **lists, f"s{section}-title": value,
            f"s{section}-title_zh": value, "section-title": value, "section-title_zh": value}
# Forms whose only inputs are passwords or files: what was typed is rightly not sent back.
NOTHING_TO_KEEP = {"auth.change_password", "auth.user_password", "sites.location_photo",
                   "incidents.add_photo", "incidents.change_status",
                   "incidents.request_status",  # no rating form before the request is resolved
                   "incidents.request_convert",  # menus only
                   "incidents.type_file", "inspections.complete",  # a button only
                   "inspections.answer_photo",
                   "inspections.signature",  # a drawing, never echoed back
                   "inspections.reopen",  # the matrix inspection is not completed: no form
                   "rounds.start", "rounds.schedule_pause", "rounds.schedule_resume",  # buttons
                   "maintenance.asset_file",
                   "maintenance.plan_pause", "maintenance.plan_resume",  # buttons
                   "maintenance.plan_copy",
                   "maintenance.work_order_move",  # no move named: its fields are the move's
                   "stock.item_import_page", "stock.item_photo",  # a file only
                   "stock.count_approve", "stock.count_recount"}  # choices and ticks only


@pytest.mark.parametrize("kind", NASTY)
def test_every_form_survives_bad_input(app, client, login_as, world, kind):  # noqa: F811
    own_records(app, world, login_as("admin"))
    token = csrf_from(client.get("/profile").text)
    value = NASTY[kind]
    for rule, method in routes(app):
        if method != "POST" or rule.endpoint in ("auth.logout", "auth.user_active",
                                                  "core.notifications_read"):
            continue
        fresh = _fresh_records(rule.endpoint)
        if fresh is not None:
            world.update(fresh(app, world))
        url = url_for_rule(app, rule, world)
        response = client.post(url, data={"csrf_token": token, **dict.fromkeys(FIELDS, value),
                                          **keyed_fields(world, value)})
        assert response.status_code in (303, 400, 422), (url, response.status_code)
        assert "<script>alert" not in response.text, url
        if response.status_code == 422 and kind == "script" \
                and rule.endpoint not in NOTHING_TO_KEEP:
            assert "&lt;script&gt;" in response.text, url  # typed text kept, escaped


@pytest.mark.parametrize("kind", NASTY)
def test_every_page_survives_bad_query_strings(app, client, login_as, world, kind):  # noqa: F811
    own_records(app, world, login_as("admin"))
    value = NASTY[kind]
    params = dict.fromkeys(("q", "page", "site", "area", "role", "status", "archived", "entity",
                            "action", "actor", "since", "until", "next", "week", "state",
                            "period", "category", "asset"),
                           value)
    for rule, method in routes(app):
        if method != "GET":
            continue
        url = url_for_rule(app, rule, world)
        response = client.get(url, query_string=params)
        assert response.status_code in (200, 303), (url, response.status_code)
        assert b"<script>alert" not in response.data, url


def test_absurd_record_ids_are_not_found(client, login_as):
    login_as("admin")
    for url in ("/sites/" + "9" * 30, "/sites/areas/" + "9" * 20 + "/edit",
                "/admin/users/" + "9" * 25 + "/edit", "/sites/locations/not-a-uuid"):
        assert client.get(url).status_code == 404, url
