"""Every route, for every role: the status each must get. A route without a rule fails here."""

import pytest

from app.core.permissions import PERMISSIONS, ROLES
from tests.conftest import csrf_from, make_site, make_user
from tests.helpers import (
    add_photo,
    first_location,
    make_action,
    make_checklist,
    make_count,
    make_incident,
    make_inspection,
    make_part_request,
    make_plan,
    make_purchase,
    make_request,
    make_schedule,
    make_stock,
    make_work_order,
    notify,
)

ANONYMOUS = "anonymous"

# What an allowed user gets for a POST with an empty form (after CSRF): mostly 422 (the form
# re-rendered with errors); a few actions need no fields.
POST_WITH_EMPTY_FORM = {
    "auth.login": 422,
    "auth.set_language": 303,
    "auth.logout": 303,
    "auth.profile": 422,
    "auth.change_password": 422,
    "auth.user_new": 422,
    "auth.user_edit": 422,
    "auth.user_password": 422,
    "auth.user_active": 303,
    "sites.site_new": 422,
    "sites.site_edit": 422,
    "sites.area_new": 422,
    "sites.area_edit": 422,
    "sites.location_new": 422,
    "sites.location_edit": 422,
    "sites.location_photo": 422,
    "incidents.report": 422,
    "incidents.triage": 422,
    "incidents.change_status": 422,
    "incidents.comment": 422,
    "incidents.add_photo": 422,
    "incidents.type_new": 422,
    "incidents.type_edit": 303,  # every field of an existing type may be empty
    "actions.new": 422,
    "actions.edit": 422,
    "actions.progress": 422,
    "actions.verify": 422,
    "actions.comment": 422,
    "core.notification_open": 303,
    "core.notifications_read": 303,
    "incidents.pause": 422,
    "incidents.resume": 303,  # "not paused" is said in a message on the incident page
    "incidents.sla_settings": 422,
    "incidents.public_request": 422,
    "incidents.request_status": 422,
    "incidents.request_new": 422,
    "incidents.request_convert": 422,
    "incidents.request_answer": 422,
    "incidents.type_file": 422,
    "inspections.template_new": 422,
    "inspections.template_import": 422,
    "inspections.draft_settings": 422,
    "inspections.section_new": 422,
    "inspections.section_save": 422,
    "inspections.section_move": 303,
    "inspections.section_duplicate": 303,
    "inspections.section_delete": 303,
    "inspections.question_new": 422,
    "inspections.question_edit": 422,
    "inspections.question_move": 303,
    "inspections.question_duplicate": 303,
    "inspections.question_delete": 303,
    "inspections.publish": 422,  # a change note is required
    "inspections.start_draft": 303,
    "inspections.discard_draft": 303,
    "inspections.archive": 303,
    "inspections.response_set_new": 422,
    "inspections.response_set_edit": 422,
    "inspections.start": 422,
    "inspections.answer": 303,  # nothing sent: the answer is cleared
    "inspections.answer_section": 303,  # nothing sent: nothing changes
    "inspections.answer_photo": 422,  # no photo
    "inspections.complete": 422,  # questions still unanswered
    "inspections.signature": 422,  # nothing drawn
    "inspections.reopen": 422,
    "rounds.start": 303,  # no round named: said on Today
    "rounds.schedule_new": 422,
    "rounds.schedule_edit": 422,
    "rounds.schedule_pause": 303,
    "rounds.schedule_resume": 303,  # "not paused" is said in a message
    "maintenance.asset_new": 422,
    "maintenance.asset_edit": 422,
    "maintenance.asset_file": 422,
    "maintenance.meter_new": 422,
    "maintenance.reading_new": 422,
    "maintenance.list_add": 422,
    "maintenance.list_edit": 422,
    "maintenance.fault_report": 422,
    "maintenance.work_order_plan": 422,  # a plan names its type and priority
    "maintenance.work_order_move": 422,  # no move named: said on the page
    "maintenance.work_order_comment": 422,
    "maintenance.work_task_new": 422,
    "maintenance.work_task_tick": 422,  # the matrix work order is a request: not open yet
    "maintenance.work_timer": 303,  # no timer running: said in a message
    "maintenance.work_hours": 422,
    "maintenance.work_downtime": 422,
    "maintenance.work_photo": 422,
    "maintenance.work_sign_off": 422,  # nothing drawn
    "maintenance.skills_save": 303,  # no skills ticked: none kept
    "maintenance.sign_off_rules": 303,  # no type ticked: none signs off
    "maintenance.asset_import": 422,  # no file
    "maintenance.fault_from_incident": 303,  # no asset chosen: said on the incident's page
    "maintenance.plan_new": 422,
    "maintenance.plan_edit": 422,
    "maintenance.plan_pause": 303,
    "maintenance.plan_resume": 303,  # "not paused" is said in a message
    "maintenance.plan_copy": 303,  # no other asset of its category: "copied to 0"
    "stock.item_new": 422,
    "stock.item_edit": 422,
    "stock.item_photo": 422,  # no photo
    "stock.attach_code": 422,
    "stock.store_new": 422,
    "stock.bin_new": 422,
    "stock.receive": 422,
    "stock.issue": 422,
    "stock.give_back": 422,
    "stock.transfer": 422,
    "stock.adjust": 422,
    "stock.part_request_new": 422,  # the matrix work order is a request: said on the form
    "stock.part_request_cancel": 303,
    "stock.reorder": 422,
    "stock.purchase_decide": 422,  # no decision: a rejection, which needs its reason
    "stock.purchase_cancel": 303,
    "stock.item_import_page": 422,  # no file
    "stock.store_edit": 422,
    "stock.count_new": 303,  # as it stands: the whole store, tolerance 0
    "stock.count_approve": 422,  # what happens to uncounted lines is chosen
    "stock.count_cancel": 303,
    "stock.count_screen": 422,
    "stock.count_bin_empty": 303,  # the bin's open lines counted 0, said in a message
    "stock.count_recount": 422,  # no line ticked, nobody chosen
}
# GET routes whose allowed users are sent elsewhere: the PDF of an inspection still being
# answered is its page.
GET_ELSEWHERE = {"inspections.report_pdf": 303,
                 # a request is planned as it is approved, on its own page
                 "maintenance.work_order_plan": 303}
# Routes whose POST changes what the next one would reach (a removed question, a discarded
# draft, a cancelled count): each gets a checklist or a stocktake of its own, made just before.
FRESH_RECORDS = {
    "inspections.": lambda app, world: make_checklist(app, world["site"], _builder(app, world)),
    "stock.count_": lambda app, world: make_count(app, world, _builder(app, world)),
}
# Routes whose rule is about the record, not only the role: only the handler of an incident
# (its assignee or team) or a manager may stop its clock; the matrix user only reported it.
RECORD_RULES = {
    "incidents.pause": lambda role: role in ("admin", "supervisor"),
    "incidents.resume": lambda role: role in ("admin", "supervisor"),
    # who asked for the parts cancels them, or a manager: the matrix user did not ask
    "stock.part_request_cancel": lambda role: role in ("admin", "supervisor"),
}
# Posted to every POST route: the usual required fields, empty (HTML forms send empty text).
EMPTY_FIELDS = dict.fromkeys((
    "name", "code", "login", "password", "current_password", "new_password", "username", "area",
    "timezone", "title", "text", "note", "severity", "type", "description", "owner", "due_date",
    "effective", "to", "reason", "opens", "closes"), "")
# Public GET routes and what a signed-out / signed-in person gets.
PUBLIC_GET = {"auth.login": (200, 303), "core.health": (200, 200),
              # a record's file: its record's rule; signed out, sign in first
              "core.attachment": (303, 200), "core.attachment_thumb": (303, 200),
              "incidents.public_request": (200, 200), "incidents.request_status": (200, 200)}


@pytest.fixture
def world(app, site):
    location = first_location(app, site)
    other = make_site(app, name="Other Site", code="OTH", areas=("Yard",))
    target = make_user(app, username="target", roles=("staff",), sites=[site])
    other_reporter = make_user(app, username="outsider", roles=("supervisor",), sites=[other])
    return {
        "site": site,
        "type_id": 1,
        "other_incident_id": make_incident(app, other, other_reporter).id,
        "other_action_id": make_action(app, other, other_reporter).id,
        "other_request_id": make_request(app, other)[0].id,
        "site_id": site.id,
        "area_id": site.areas[0].id,
        "public_id": location.public_id,
        "user_id": target.id,
        "attachment": add_photo(app, location),
        "other_site_id": other.id,
        "other_area_id": other.areas[0].id,
        "other_public_id": first_location(app, other).public_id,
        "other_site": other, "other_reporter": other_reporter,
        **{f"other_{name}": value for name, value in make_checklist(
            app, other, other_reporter).items() if name != "set_id"},
        **_other_inspection_and_schedule(app, other, other_reporter),
        **{f"other_{name}": value for name, value in make_work_order(
            app, other, other_reporter).items()},
        **{f"other_{name}": value for name, value in make_plan(
            app, other, other_reporter).items()},
        **{f"other_{name}": value for name, value in _stock_with_request(
            app, other, other_reporter).items()},
        "kind": "category",
    }


def _other_inspection_and_schedule(app, other, reporter) -> dict:
    published = make_checklist(app, other, reporter, publish=True)["template_id"]
    records = {**make_inspection(app, other, reporter, published),
               **make_schedule(app, other, reporter, published)}
    return {f"other_{name}": value for name, value in records.items()}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def own_records(app, world, user) -> None:
    """Records the signed-in user may reach whatever their role: an incident they reported, an
    action they own, a notification for them."""
    world["incident_id"] = make_incident(app, world["site"], user).id
    world["action_id"] = make_action(app, world["site"], user).id
    world["notification_id"] = notify(app, user)
    request_, token = make_request(app, world["site"])
    world["request_id"], world["token"] = request_.id, token
    world["code"] = world["site"].code
    world.update(make_checklist(app, world["site"], _builder(app, world)))
    published = make_checklist(app, world["site"], _builder(app, world), publish=True)
    inspector = user if user.can("inspections.inspect") else _builder(app, world)
    world.update(make_inspection(app, world["site"], inspector, published["template_id"]))
    world.update(make_schedule(app, world["site"], _builder(app, world),
                               published["template_id"]))
    world.update(make_work_order(app, world["site"], user))
    world.update(make_plan(app, world["site"], _builder(app, world)))
    world.update(_stock_with_request(app, world["site"], _builder(app, world)))


def _stock_with_request(app, site, by) -> dict:
    """A store with an item, and parts of it asked for on a work order of the site."""
    stock = make_stock(app, site, by)
    work = make_work_order(app, site, by, code=f"PARTS-{site.code}")  # its keys not kept
    return {**stock, **make_part_request(app, {**stock, **work}, by),
            **make_purchase(app, stock, by), **make_count(app, stock, by)}


def _fresh_records(endpoint: str):
    return next((make for prefix, make in FRESH_RECORDS.items()
                 if endpoint.startswith(prefix)), None)


def _builder(app, world):
    """Who builds the matrix's checklists: a supervisor of its site."""
    if "builder" not in world:
        world["builder"] = make_user(app, username="builder", roles=("supervisor",),
                                     sites=[world["site"]])
    return world["builder"]


def url_for_rule(app, rule, world, other=False):
    values = {}
    for argument in rule.arguments:
        key = argument
        if argument == "public_id" and rule.endpoint.startswith("core.attachment"):
            values[argument] = world["attachment"]
        elif other and f"other_{key}" in world:
            values[argument] = world[f"other_{key}"]
        else:
            values[argument] = world[key]
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def expected(app, rule, method, role) -> int:
    view = app.view_functions[rule.endpoint]
    permission = view.permission
    if permission is None:  # public
        if method == "GET":
            return PUBLIC_GET[rule.endpoint][0 if role == ANONYMOUS else 1]
        if rule.endpoint == "auth.login" and role != ANONYMOUS:
            return 303  # already signed in
        return POST_WITH_EMPTY_FORM[rule.endpoint]
    if role == ANONYMOUS:
        return 303
    if role not in PERMISSIONS[permission]:
        return 403
    if rule.endpoint in RECORD_RULES and not RECORD_RULES[rule.endpoint](role):
        return 403
    if method == "GET":
        return GET_ELSEWHERE.get(rule.endpoint, 200)
    return POST_WITH_EMPTY_FORM[rule.endpoint]


def test_every_view_declares_who_may_use_it(app):
    missing = [endpoint for endpoint, view in app.view_functions.items()
               if endpoint != "static" and not hasattr(view, "permission")]
    assert missing == []


def test_every_post_route_has_an_expectation(app):
    posts = {rule.endpoint for rule, method in routes(app) if method == "POST"}
    assert posts == set(POST_WITH_EMPTY_FORM)


@pytest.mark.parametrize("role", [ANONYMOUS, *ROLES])
def test_route_role_matrix(app, client, login_as, world, role):
    if role != ANONYMOUS:
        own_records(app, world, login_as(role))
    else:
        own_records(app, world, make_user(app, username="somebody", sites=[world["site"]]))
    token = csrf_from(client.get("/login").get_data(as_text=True)) if role == ANONYMOUS else \
        csrf_from(client.get("/profile").get_data(as_text=True))
    ordered = sorted(routes(app), key=lambda pair: (pair[1] == "POST",
                                                    pair[0].endpoint == "auth.logout"))
    results = {}
    for rule, method in ordered:
        url = url_for_rule(app, rule, world)
        if method == "GET":
            response = client.get(url)
        else:
            fresh = _fresh_records(rule.endpoint)
            if fresh is not None:
                world.update(fresh(app, world))
                url = url_for_rule(app, rule, world)
            response = client.post(url, data={"csrf_token": token, **EMPTY_FIELDS})
        results[f"{method} {rule.endpoint}"] = (response.status_code,
                                                expected(app, rule, method, role))
    wrong = {route: got for route, got in results.items() if got[0] != got[1]}
    assert wrong == {}, "(got, expected)"


@pytest.mark.parametrize("role", ROLES)
def test_records_of_other_sites_are_not_found(app, client, login_as, world, role):
    """Site scoping: a user not assigned to a site gets 404 for its records (admin sees all)."""
    own_records(app, world, login_as(role))
    token = csrf_from(client.get("/profile").get_data(as_text=True))
    for rule, method in routes(app):
        if not {"site_id", "area_id", "incident_id", "action_id", "request_id", "template_id",
                "version_id", "section_id", "question_id", "inspection_id",
                "schedule_id", "asset_uuid", "meter_id", "work_order_id", "plan_id",
                "store_id", "part_request_id", "purchase_id", "count_id"} & set(
                rule.arguments) and not (
                "public_id" in rule.arguments and rule.endpoint.startswith("sites.")):
            continue
        permission = app.view_functions[rule.endpoint].permission
        if role not in PERMISSIONS[permission]:
            continue
        if rule.endpoint.startswith("inspections."):  # its POSTs remove what they reach
            world.update({f"other_{name}": value for name, value in make_checklist(
                app, world["other_site"], world["other_reporter"]).items()})
        url = url_for_rule(app, rule, world, other=True)
        response = client.get(url) if method == "GET" else client.post(
            url, data={"csrf_token": token})
        if role == "admin":
            assert response.status_code != 404, url
        else:
            assert response.status_code == 404, f"{method} {url}"
