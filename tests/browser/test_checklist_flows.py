"""A supervisor builds a checklist in a real browser, at phone and at tablet size: a section, a
number question with limits, a pass/fail question with a follow-up shown on "fail", a
reorder, publish, edit again, publish version 2, and version 1 is as it was."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_flows import (
    assert_clean_console,
    mark_page,
    open_section,
    page_was_not_reloaded,
    sign_in,
)
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def add_question(page: Page, kind: str, prompt: str, **more) -> None:
    page.get_by_role("button", name="Add a question to this section").click()
    form = page.locator("form").filter(has=page.get_by_role("button", name="Add question"))
    form.get_by_label("Type").select_option(label=kind)
    form.get_by_label("Question", exact=True).fill(prompt)
    if more:
        form.get_by_text("Help text, points, limits, choices, failure and logic").click()
        for label, value in more.items():
            field = form.get_by_label(label.replace("_", " "), exact=True)
            if label == "Show_only_when":
                field.select_option(label=value)
            else:
                field.fill(value)
    form.get_by_role("button", name="Add question").click()
    expect(page.get_by_role("listitem").filter(has_text=prompt)).to_be_visible()


def question_prompts(page: Page) -> list[str]:
    return page.locator(".builder-question .question-summary strong").all_inner_texts()


def test_build_publish_and_edit_a_checklist(page: Page, world, app, console, screenshot):
    make_user(app, username="sue", name="Sue Visor", roles=("supervisor",), sites=[world.site])
    page.goto("/login")
    sign_in(page, "sue")
    open_section(page, "Inspections")
    page.get_by_role("link", name="Checklists", exact=True).click()
    page.get_by_role("button", name="New checklist").click()
    page.get_by_label("Title", exact=True).fill("Cold room round")
    page.get_by_label("Title in Chinese").fill("冷库巡检")
    page.get_by_label("North Plant").check()
    page.get_by_role("button", name="Create and add questions").click()
    expect(page.get_by_role("heading", name="Cold room round")).to_be_visible()

    mark_page(page)
    page.get_by_label("Section title", exact=True).fill("Cold room")
    page.get_by_role("button", name="Add section").click()
    expect(page.get_by_role("heading", name="Cold room", exact=True)).to_be_visible()
    add_question(page, "Number", "Cold room temperature", Unit="°C", Lower_limit="0",
                 Upper_limit="4")
    add_question(page, "Pass / fail / N-A", "Door closes tight?")
    add_question(page, "Photo", "Photo of the door seal",
                 Show_only_when="“Door closes tight?” is Fail")
    expect(page.get_by_text("Shown when “Door closes tight?” is Fail")).to_be_visible()
    page.get_by_role("button", name="Move “Door closes tight?” up").click()
    expect(page.locator(".builder-question strong").first).to_have_text("Door closes tight?")
    assert question_prompts(page) == ["Door closes tight?", "Cold room temperature",
                                      "Photo of the door seal"]
    assert page_was_not_reloaded(page), "the builder's changes swap parts of the page"
    screenshot("built")

    page.get_by_label("What changed (for the version history)").fill("First round")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Version 1 published.")).to_be_visible()

    page.get_by_role("button", name="Edit: start version 2").click()
    temperature = page.get_by_role("listitem").filter(has_text="Cold room temperature")
    temperature.get_by_role("button", name="Edit").click()
    editing = page.locator("form").filter(has=page.get_by_role("button", name="Save question"))
    editing.get_by_text("Help text, points, limits, choices, failure and logic").click()
    editing.get_by_label("Upper limit").fill("5")
    editing.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("from 0 to 5 °C")).to_be_visible()
    page.get_by_label("What changed (for the version history)").fill("Defrost cycle: 5 °C")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Version 2 published.")).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Version 1 ")).click()
    expect(page.get_by_text("from 0 to 4 °C")).to_be_visible()
    expect(page.get_by_text("from 0 to 5 °C")).to_have_count(0)
    screenshot("version-1")
    page.get_by_role("button", name="Preview").click()
    door = page.get_by_role("group", name=re.compile("Door closes tight"))
    seal = page.get_by_role("group", name=re.compile("Photo of the door seal"))
    expect(door).to_be_visible()
    expect(seal).to_have_count(0)  # a follow-up, shown only on "fail"
    door.get_by_text("Fail", exact=True).click()
    expect(seal).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Score 0%")).to_be_visible()
    screenshot("preview")
    assert_clean_console(console)
