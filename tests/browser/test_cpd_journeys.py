"""Recording CPD in Chromium, each journey with JavaScript and without."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from app.policy import Policy
from tests.browser.conftest import assert_mode
from tests.browser.steps import create_account, unique_email

pytestmark = pytest.mark.db

POLICY = Policy()
LEARNED = "What did you learn?"


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo(POLICY.timezone)).date()


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def fill_date(page: Page, day: dt.date) -> None:
    group = page.get_by_role("group", name="Date you completed this CPD")
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def open_your_cpd(page: Page) -> None:
    page.get_by_role("link", name="Your CPD").first.click()
    expect(heading(page)).to_have_text("Your CPD")


def leave_box_before_pressing(page: Page, label: str, mode: str) -> None:
    """Leave the box just typed in before pressing a button below it. With JavaScript,
    leaving it autosaves, and the answer fills the status line above the buttons: if
    that lands between the press and the release, the button moves and the click is
    lost (seen in CI; a known problem, see the closing note of 4 December 2026). Wait for
    the answer first."""
    page.get_by_label(label).press("Tab")
    if mode == "javascript":
        expect(page.locator("#autosave-status")).to_contain_text("saved at")


# On PostgreSQL too: the one write path end to end under gunicorn, and Your CPD's
# progress, whose "parts shown" query is written once per engine (app/cpd/listing.py).
@pytest.mark.postgres_journey
def test_record_structured_cpd_from_errors_to_recorded(journey: Page, mode: str) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("structured"))
    open_your_cpd(journey)
    expect(journey.get_by_text("You have recorded 0 pieces of CPD this year.")).to_be_visible()
    journey.get_by_role("link", name="Record CPD using the structured form").click()
    expect(heading(journey)).to_have_text("Record CPD using the structured form")

    # Nothing answered: every problem in the summary and beside its field.
    journey.get_by_role("button", name="Save and record CPD").click()
    expect(journey).to_have_title("Error: Record CPD using the structured form – Record CPD")
    summary = journey.get_by_role("alert")
    for message in (
        "Enter a title for this CPD",
        "Enter the date you completed this CPD",
        "Select the type of CPD activity",
        "Enter what you did and why it is relevant to your practice",
        "Enter what you learned",
        "Enter how it has changed, or will change, your practice",
        "Select at least one part of the CPD standard",
    ):
        expect(summary.get_by_role("link", name=message)).to_be_visible()
        expect(journey.locator(".govuk-error-message", has_text=message)).to_be_visible()
    summary.get_by_role("link", name="Enter what you learned").click()
    expect(journey.get_by_label(LEARNED)).to_be_focused()

    # Answer everything, with "What did you learn?" one character over its limit.
    limit = POLICY.limit("what_you_learned")
    journey.get_by_label("Title").fill("Mental Capacity Act refresher")
    fill_date(journey, today())
    journey.get_by_role("radio", name="Course, training or e-learning").check()
    journey.get_by_label("What did you do, and why is it relevant to your practice?").fill(
        "A half-day course on assessing capacity for complex decisions."
    )
    journey.get_by_label(LEARNED).fill("a" * (limit + 1))
    journey.get_by_label("How has it changed, or how will it change, your practice?").fill(
        "I record each capacity assessment decision by decision."
    )
    journey.get_by_label("4.3 Research, theories and frameworks").check()
    journey.get_by_label("4.8 Values and ethics").check()
    leave_box_before_pressing(journey, "4.8 Values and ethics", mode)
    journey.get_by_role("button", name="Save and record CPD").click()
    over_by_one = (
        f"What did you learn? must be {limit:,} characters or fewer — you have {limit + 1:,}"
    )
    expect(journey.get_by_role("alert").get_by_role("link", name=over_by_one)).to_be_visible()
    # Nothing typed was thrown away by the error.
    expect(journey.get_by_label("Title")).to_have_value("Mental Capacity Act refresher")
    expect(journey.get_by_label(LEARNED)).to_have_value("a" * (limit + 1))
    expect(journey.get_by_label("4.8 Values and ethics")).to_be_checked()

    # A pasted block with Windows line endings: each line break counts as one character.
    lines = limit // 50 + 1
    pasted = "\r\n".join(["b" * 49] * lines)
    expected_count = 49 * lines + (lines - 1)
    journey.get_by_label(LEARNED).fill(pasted)
    leave_box_before_pressing(journey, LEARNED, mode)
    journey.get_by_role("button", name="Save and record CPD").click()
    pasted_error = (
        f"What did you learn? must be {limit:,} characters or fewer — you have {expected_count:,}"
    )
    expect(journey.get_by_role("alert").get_by_role("link", name=pasted_error)).to_be_visible()

    # Fixed: recorded, with a confirmation saying what counts now.
    journey.get_by_label(LEARNED).fill("Capacity is decision-specific and time-specific.")
    leave_box_before_pressing(journey, LEARNED, mode)
    journey.get_by_role("button", name="Save and record CPD").click()
    expect(journey.get_by_role("heading", name="CPD recorded")).to_be_visible()
    expect(
        journey.get_by_text("This CPD counts towards renewing your registration")
    ).to_be_visible()
    journey.get_by_role("link", name="Go to Your CPD").click()
    expect(journey.get_by_text("You have recorded 1 piece of CPD this year.")).to_be_visible()
    shown = journey.locator("#parts-shown")
    expect(shown.get_by_role("link", name="4.3 Research, theories and frameworks")).to_be_visible()
    expect(shown.get_by_role("link", name="4.8 Values and ethics")).to_be_visible()
    expect(
        journey.locator("#parts-not-shown").get_by_role("link", name="4.1 Using feedback")
    ).to_be_visible()

    # View shows every answer and the meaning of each part.
    journey.get_by_role("link", name="View (Mental Capacity Act refresher)").click()
    expect(heading(journey)).to_have_text("Mental Capacity Act refresher")
    expect(journey.get_by_text("Capacity is decision-specific and time-specific.")).to_be_visible()
    expect(journey.get_by_text(POLICY.standard_parts[7].description)).to_be_visible()

    # A draft of changes keeps the recorded version recorded.
    journey.get_by_role("link", name="Edit Mental Capacity Act refresher").click()
    expect(heading(journey)).to_have_text("Edit your CPD")
    expect(journey.get_by_label(LEARNED)).to_have_value(
        "Capacity is decision-specific and time-specific."
    )
    journey.get_by_label(LEARNED).fill("Capacity is decision-specific. Also: best interests.")
    journey.get_by_role("button", name="Save as draft").click()
    expect(journey.get_by_text("are saved as a draft")).to_be_visible()
    expect(journey.get_by_text("You have recorded 1 piece of CPD this year.")).to_be_visible()
    expect(
        journey.get_by_text("You have draft changes not saved to the record yet.")
    ).to_be_visible()
    journey.get_by_role("link", name="View (Mental Capacity Act refresher)").click()
    expect(journey.get_by_text("Capacity is decision-specific and time-specific.")).to_be_visible()
    journey.get_by_role("link", name="Continue editing your changes").click()
    expect(journey.get_by_label(LEARNED)).to_have_value(
        "Capacity is decision-specific. Also: best interests."
    )
    journey.get_by_role("button", name="Save changes").click()
    expect(journey.get_by_role("heading", name="CPD recorded")).to_be_visible()
    journey.get_by_role("link", name="View this CPD").click()
    expect(
        journey.get_by_text("Capacity is decision-specific. Also: best interests.")
    ).to_be_visible()
    journey.get_by_role("link", name="See every saved version").click()
    # With JavaScript, autosaves add versions of their own in between.
    versions = journey.get_by_role("heading", name=re.compile(r"^Version \d+: "))
    expect(versions.first).to_contain_text("Changes saved")
    expect(versions.filter(has_text=": Recorded,")).to_have_count(1)


def test_unstructured_draft_then_delete_and_restore(journey: Page, mode: str) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("unstructured"))
    open_your_cpd(journey)
    journey.get_by_role("link", name="Record CPD using the unstructured form").click()
    expect(heading(journey)).to_have_text("Record CPD using the unstructured form")
    journey.get_by_role("button", name="Save and record CPD").click()
    summary = journey.get_by_role("alert")
    for message in (
        "Enter a title for this CPD",
        "Enter the date you completed this CPD",
        "Describe your CPD and how it meets the CPD standard",
        "Select at least one part of the CPD standard",
    ):
        expect(summary.get_by_role("link", name=message)).to_be_visible()

    # A draft keeps whatever is there, without checks.
    journey.get_by_label("Title").fill("Team learning review")
    journey.get_by_label("Describe your CPD and how it meets the CPD standard").fill(
        "Started notes"
    )
    journey.get_by_role("button", name="Save as draft").click()
    expect(journey.get_by_text("‘Team learning review’ is saved as a draft")).to_be_visible()
    expect(
        journey.get_by_text("You have 1 draft. Drafts do not count towards your renewal")
    ).to_be_visible()
    expect(journey.get_by_text("You have recorded 0 pieces of CPD this year.")).to_be_visible()

    # Finish it: recording the draft makes it count.
    journey.get_by_role("link", name="Edit (Team learning review)").click()
    fill_date(journey, today())
    journey.get_by_label("Describe your CPD and how it meets the CPD standard").fill(
        "Our team reviewed a case together.\nI led the reflection on feedback."
    )
    journey.get_by_label("4.1 Using feedback").check()
    journey.get_by_role("button", name="Save and record CPD").click()
    expect(journey.get_by_role("heading", name="CPD recorded")).to_be_visible()
    journey.get_by_role("link", name="Go to Your CPD").click()
    expect(journey.get_by_text("You have recorded 1 piece of CPD this year.")).to_be_visible()

    # Delete asks first; recently deleted can restore it.
    journey.get_by_role("link", name="Delete (Team learning review)").click()
    expect(heading(journey)).to_have_text("Are you sure you want to delete ‘Team learning review’?")
    journey.get_by_role("button", name="Yes, delete this CPD").click()
    expect(journey.get_by_text("You have recorded 0 pieces of CPD this year.")).to_be_visible()
    journey.get_by_role("link", name="Recently deleted CPD").click()
    journey.get_by_role("button", name="Restore Team learning review").click()
    expect(journey.get_by_text("‘Team learning review’ is restored.")).to_be_visible()
    expect(journey.get_by_text("You have recorded 1 piece of CPD this year.")).to_be_visible()
