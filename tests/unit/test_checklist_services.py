"""Checklist templates through their services: rules of questions and logic, publishing
freezes a version, new drafts copy it, the JSON document round trip and its checks."""

import json

import pytest
from sqlalchemy import select

from app.core.domain import DomainError
from app.extensions import db
from app.inspections import documents, services
from app.inspections.models import (
    ChecklistQuestion,
    ChecklistTemplate,
    PublishedVersionChanged,
    ResponseSet,
)
from tests.conftest import make_user
from tests.helpers import make_checklist


@pytest.fixture
def supervisor(app, site):
    user = make_user(app, username="sup", roles=("supervisor",), sites=[site])
    with app.test_request_context():
        yield db.session.get(type(user), user.id)


@pytest.fixture
def checklist(app, site, supervisor):
    ids = make_checklist(app, site, supervisor)
    return db.session.get(ChecklistTemplate, ids["template_id"])


def _question(section, by, **fields):
    return services.add_question(section, by=by, **{"kind": "pass_fail", **fields})


def test_question_rules(checklist):
    problems = services.question_problems
    assert problems({"kind": "number", "prompt": "T", "lower": 5.0, "upper": 1.0,
                     "action_priority": 3}) == {
        "upper": "The upper limit must not be below the lower limit."}
    assert "lower" in problems({"kind": "number", "prompt": "T", "lower": float("nan"),
                                "action_priority": 3})
    assert "upper" in problems({"kind": "number", "prompt": "T", "upper": float("inf"),
                                "action_priority": 3})
    assert "critical" in problems({"kind": "text", "prompt": "T", "critical": True,
                                   "action_priority": 3})
    assert "prompt" in problems({"kind": "yes_no", "prompt": " ", "action_priority": 3})
    assert "response_set_id" in problems({"kind": "choice", "prompt": "T",
                                          "action_priority": 3})
    assert problems({"kind": "photo", "prompt_zh": "拍照", "action_priority": 3}) == {}


def test_logic_points_back_one_level_and_never_loops(checklist, supervisor):
    draft = checklist.draft
    section = draft.sections[0]
    floor, reading = section.questions
    with pytest.raises(DomainError, match="follow-ups go one level deep"):
        _question(section, supervisor, prompt="Deeper", show_if_key=reading.key,
                  show_if_value="failure")
    with pytest.raises(DomainError, match="answers"):
        _question(section, supervisor, prompt="Odd", show_if_key=floor.key,
                  show_if_value="maybe")
    # A loop: the first question made to follow the second, which follows it.
    with pytest.raises(DomainError):
        services.update_question(floor, show_if_key=reading.key, show_if_value="failure",
                                 prompt=floor.prompt, kind="pass_fail", by=supervisor)
    # A follow-up cannot be moved above the question it follows.
    with pytest.raises(DomainError, match="before the question it follows"):
        services.move_question(reading, -1, by=supervisor)
    # Nor can the question it follows be removed while it is followed.
    with pytest.raises(DomainError, match="follow this one"):
        services.delete_question(floor, by=supervisor)
    assert [q.key for q in draft.questions] == [floor.key, reading.key]


def test_moves_cross_sections_and_duplicates_keep_logic_inside(checklist, supervisor):
    draft = checklist.draft
    first = draft.sections[0]
    second = services.add_section(draft, title="Waste", by=supervisor)
    bins = _question(second, supervisor, prompt="Bins emptied?")
    services.move_question(bins, -1, by=supervisor)  # to the end of the section before
    assert [q.prompt for q in first.questions][-1] == "Bins emptied?" and not second.questions
    services.move_section(second, -1, by=supervisor)
    assert [s.title for s in draft.sections] == ["Waste", "Floors"]
    twin = services.duplicate_section(first, by=supervisor)
    floor, reading = twin.questions[:2]
    assert reading.show_if_key == floor.key != first.questions[0].key


def test_publishing_freezes_the_version(checklist, supervisor):
    version = services.publish(checklist, change_note="First version", by=supervisor)
    db.session.flush()
    assert version.number == 1 and not version.is_draft and checklist.draft is None
    question = version.questions[0]
    with pytest.raises(DomainError, match="published"):
        services.update_question(question, prompt="Changed", kind="pass_fail", by=supervisor)
    with pytest.raises(DomainError, match="published"):
        services.add_section(version, title="More", by=supervisor)
    question.prompt = "Changed behind the services' back"
    with pytest.raises(PublishedVersionChanged):
        db.session.flush()
    db.session.rollback()


def test_a_new_draft_copies_the_version_and_leaves_it_unchanged(checklist, supervisor):
    response_set = db.session.scalar(select(ResponseSet))
    section = checklist.draft.sections[0]
    _question(section, supervisor, kind="choice", prompt="Bins", response_set_id=response_set.id)
    v1 = services.publish(checklist, change_note="First version", by=supervisor)
    db.session.flush()
    response_set.choices = [*response_set.choices, {"value": "full", "label": "Full",
                                                    "label_zh": "满", "failure": True}]
    draft = services.start_draft(checklist, by=supervisor)
    assert draft.number == 2 and [q.key for q in draft.questions] == [q.key for q in
                                                                      v1.questions]
    services.update_question(draft.questions[0], prompt="Floor clean and dry?",
                             kind="pass_fail", by=supervisor)
    v2 = services.publish(checklist, change_note="Dry too", by=supervisor)
    db.session.flush()
    db.session.expire_all()
    assert v1.questions[0].prompt == "Floor clean?"
    assert v2.questions[0].prompt == "Floor clean and dry?"
    assert [c["value"] for c in v1.questions[2].options] == ["clean", "dirty"]
    assert [c["value"] for c in v2.questions[2].options] == ["clean", "dirty", "full"]
    assert checklist.published is v2


def test_discard_and_archive(checklist, supervisor):
    services.publish(checklist, change_note="First version", by=supervisor)
    services.start_draft(checklist, by=supervisor)
    assert services.discard_draft(checklist, by=supervisor) is False
    assert checklist.draft is None and len(checklist.versions) == 1
    services.archive(checklist, by=supervisor)
    with pytest.raises(DomainError, match="archived"):
        services.start_draft(checklist, by=supervisor)
    services.restore(checklist, by=supervisor)
    assert checklist.status == "published"


def test_an_unpublished_template_goes_with_its_draft(checklist, supervisor):
    template_id = checklist.id
    assert services.discard_draft(checklist, by=supervisor) is True
    assert db.session.get(ChecklistTemplate, template_id) is None
    assert db.session.scalar(select(ChecklistQuestion.id)) is None


# --- JSON documents ------------------------------------------------------------------------------

def test_export_import_export_gives_the_same_document(checklist, supervisor, site):
    response_set = db.session.scalar(select(ResponseSet))
    _question(checklist.draft.sections[0], supervisor, kind="choice", prompt="Bins",
              prompt_zh="垃圾桶", response_set_id=response_set.id, multiple=True,
              action_on_failure=True, action_priority=2, action_due_days=3)
    version = services.publish(checklist, change_note="First version", by=supervisor)
    db.session.flush()
    exported = documents.export_version(version)
    text = json.dumps(exported, ensure_ascii=False)
    draft, problems = documents.read_document(json.loads(text))
    assert not problems, problems.items
    copy = documents.import_document(draft, all_sites=False, sites=checklist.sites,
                                     by=supervisor)
    db.session.flush()
    db.session.expire_all()
    assert documents.export_version(copy.draft) == exported
    assert exported["schema"] == "fieldbook.checklist/1"
    assert exported["sections"][0]["questions"][1]["show_if"] == {
        "question": exported["sections"][0]["questions"][0]["key"], "answer": "fail"}


def test_a_broken_document_lists_every_problem_with_its_path(checklist, supervisor):
    exported = documents.export_version(checklist.draft)
    questions = exported["sections"][0]["questions"]
    questions[1]["lower"], questions[1]["upper"] = 9, 1
    questions[0]["kind"] = "poll"
    questions.append({**questions[0], "kind": "text", "weight": "heavy",
                      "show_if": {"question": "nowhere", "answer": "fail"}})
    exported["pass_threshold"] = 120
    _draft, problems = documents.read_document(exported)
    paths = [path for path, _message in problems.items]
    assert "pass_threshold" in paths
    assert "sections[0].questions[0].kind" in paths
    assert "sections[0].questions[1].upper" in paths
    assert "sections[0].questions[2].key" in paths  # the same key twice
    assert "sections[0].questions[2].weight" in paths
    assert "sections[0].questions[2].show_if" in paths
    assert documents.read_document({"schema": "other"})[1].items == [
        ("schema", "Must be “fieldbook.checklist/1”.")]


def test_the_demo_checklists_are_published_in_both_languages(app):
    from app.inspections.demo import DEMO_CHECKLISTS
    from tests.unit.test_cli import run

    assert run(app, "seed-demo").exit_code == 0
    with app.app_context():
        templates = db.session.scalars(select(ChecklistTemplate)
                                       .order_by(ChecklistTemplate.id)).all()
        assert [t.title for t in templates] == [d["title"] for d in DEMO_CHECKLISTS] == [
            "Site hygiene check", "Service standard check", "Equipment patrol with readings",
            "Fire and safety walk"]
        for template, document in zip(templates, DEMO_CHECKLISTS, strict=True):
            version = template.published
            assert template.all_sites and version.number == 1 and template.title_zh
            assert all(q.prompt_zh for q in version.questions)
            assert documents.export_version(version) == document  # as written, round trip
        fire = templates[3].published
        assert sum(q.critical for q in fire.questions) == 2
        patrol = {q.key: q for q in templates[2].published.questions}
        assert (patrol["pt-boiler"].lower, patrol["pt-boiler"].upper) == (0.2, 0.7)
        assert db.session.scalar(select(ResponseSet.name).order_by(ResponseSet.id)) == \
            "Condition"


def test_the_scoring_method(app):
    """Weighted points of the answered questions; N/A, unanswered and hidden follow-ups out;
    a failed critical question fails whatever the score."""
    from app.inspections import scoring
    from app.inspections.demo import seed_checklists
    from tests.conftest import make_user

    admin = make_user(app, username="boss", roles=("admin",))
    with app.test_request_context():
        hygiene, service, patrol, fire = seed_checklists(db.session.get(type(admin), admin.id))
        version = hygiene.published  # floor (2 points), sign, equipment, contact (critical)...
        all_good = {"hy-floor": "pass", "hy-sign": "yes", "hy-equip": "clean",
                    "hy-contact": "pass", "hy-sorted": "pass", "hy-emptied": "yes"}
        result = scoring.score(version, all_good)
        assert (result.points, result.possible, result.passed) == (7, 7, True)
        floor_failed = {**all_good, "hy-floor": "fail", "hy-sorted": "na"}
        result = scoring.score(version, floor_failed)
        assert (result.points, result.possible) == (4, 6) and not result.passed  # 67 % < 80
        assert [q.key for q in result.failed] == ["hy-floor"]
        critical = {**all_good, "hy-contact": "fail"}
        result = scoring.score(version, critical)
        assert result.percent > 80 and not result.passed and result.failed_critical
        shown = [q.key for q in scoring.shown_questions(version, {"hy-emptied": "no"})]
        assert "hy-which" in shown
        assert "hy-which" not in [q.key for q in scoring.shown_questions(version, all_good)]
        readings = {q.key: q for q in patrol.published.questions}
        assert scoring.is_failure(readings["pt-supply"], 9.5)
        assert scoring.is_failure(readings["pt-supply"], 7.0) is False
        assert scoring.is_failure(readings["pt-gauge"], "photo.jpg") is None
        satisfaction = {q.key: q for q in service.published.questions}["sv-satisf"]
        assert scoring.is_failure(satisfaction, "no") and not scoring.is_failure(satisfaction,
                                                                                 "very")
        assert scoring.score(fire.published, {}).passed  # nothing answered, nothing failed
