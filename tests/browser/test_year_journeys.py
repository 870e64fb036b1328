"""The registrant's year in Chromium, each journey with JavaScript and without: ready to
renew, choosing reminders and unsubscribing, printing, downloading and importing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_mode
from tests.browser.steps import create_account, unique_email
from tests.browser.test_cpd_journeys import fill_date, heading, open_your_cpd, today

pytestmark = pytest.mark.db


def record_structured_cpd(page: Page, title: str) -> None:
    page.get_by_label("Title").fill(title)
    fill_date(page, today())
    page.get_by_role("radio", name="Course, training or e-learning").check()
    page.get_by_label("What did you do, and why is it relevant to your practice?").fill(
        "A half-day course on assessing capacity."
    )
    page.get_by_label("What did you learn?").fill("Capacity is decision-specific.")
    page.get_by_label("How has it changed, or how will it change, your practice?").fill(
        "I record each decision separately."
    )
    page.get_by_label("4.3 Research, theories and frameworks").check()
    page.get_by_role("button", name="Save and record CPD").click()
    expect(page.get_by_role("heading", name="CPD recorded")).to_be_visible()


def test_your_cpd_says_what_to_do_until_the_person_is_ready_to_renew(
    journey: Page, mode: str
) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("renew"))
    open_your_cpd(journey)
    statement = journey.get_by_role("region", name="Not ready to renew yet")
    expect(statement.get_by_role("heading", name="You are not ready to renew yet")).to_be_visible()
    expect(statement.get_by_text("Record 1 more piece of CPD, completed between")).to_be_visible()
    expect(journey.locator("#renewal-window")).to_contain_text("renewal window")

    statement.get_by_role("link", name="Use the structured form").click()
    expect(heading(journey)).to_have_text("Record CPD using the structured form")
    record_structured_cpd(journey, "Capacity assessment course")
    journey.get_by_role("link", name="Go to Your CPD").click()
    ready = journey.get_by_role("region", name="Ready to renew")
    expect(
        ready.get_by_role("heading", name="You are ready to renew your registration")
    ).to_be_visible()
    expect(ready.get_by_text("You have recorded 1 piece of CPD completed")).to_be_visible()
