"""Issue 20 in Chromium, with JavaScript and without: the anonymisation warning names a
person found in an answer and says why, on leaving the box (JavaScript) and on "Save and
record"; saying the name is not a real person is remembered for the record."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_mode
from tests.browser.steps import create_account, unique_email
from tests.browser.test_document_journeys import fill_basics, open_form
from tests.support.audit import ARTIFACTS, axe_violations
from tests.support.browser import htmx_done

pytestmark = pytest.mark.db

WHAT_YOU_DID = "What did you do, and why is it relevant to your practice?"
STORY = "I sat with Amira while she read the letter from the court."
WARNING = f"{WHAT_YOU_DID} may identify a person: ‘Amira’ may be a person's name."
NOT_A_PERSON = "‘Amira’ is not a real person"
SCREENSHOTS = ARTIFACTS / "screenshots"


def look_at_the_warning(page: Page, mode: str) -> None:
    """Screenshots of the warning, desktop and 320 px wide; axe where scripts run (axe
    needs timers, which a JavaScript-off context does not run)."""
    if mode == "javascript":
        assert axe_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    region = page.locator("#what_you_did-identifiers")
    region.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"people-warning-{mode}-desktop.png"))
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 900})
    region.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"people-warning-{mode}-320.png"))
    if size:
        page.set_viewport_size(size)


def test_a_name_is_named_in_the_warning_and_can_be_said_not_to_be_a_person(
    journey: Page, mode: str
) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("people"))
    open_form(journey)
    fill_basics(journey, "Reading a court letter together")
    box = journey.get_by_label(WHAT_YOU_DID)
    box.fill(STORY)
    if mode == "javascript":
        box.press("Tab")  # the live check, as the box loses focus
        expect(journey.get_by_text(WARNING)).to_be_visible()
        htmx_done(journey)
    else:
        journey.get_by_role("button", name="Save and record CPD").click()
        expect(journey.get_by_role("alert")).to_be_visible()  # the confirmation is asked for
        expect(journey.get_by_text(WARNING)).to_be_visible()
        expect(journey.get_by_label(WHAT_YOU_DID)).to_have_value(STORY)  # nothing lost

    look_at_the_warning(journey, mode)
    group = journey.get_by_role("group", name="Is a name here not a real person?")
    group.get_by_label(NOT_A_PERSON).check()
    journey.get_by_role("button", name="Save and record CPD").click()
    expect(journey.get_by_role("heading", name="CPD recorded")).to_be_visible()

    # The record remembers it: no warning, and the name is listed, ticked, to untick.
    journey.get_by_role("link", name="View this CPD").click()
    journey.get_by_role("link", name="Edit Reading a court letter together").click()
    remembered = journey.get_by_role("group", name="Names you said are not real people")
    expect(remembered.get_by_label(NOT_A_PERSON)).to_be_checked()
    expect(journey.get_by_text(WARNING)).to_have_count(0)
