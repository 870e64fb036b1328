"""What people type is shown back without making a 320 px screen scroll sideways (WCAG
1.4.10, reflow), however long its words: a council email address, a title made of a
pasted web address. Seen at 320 px: a "Check your email" page 372 px wide, Your CPD
1,597 px wide."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import JS_MODES, open_page
from tests.browser.steps import PASSWORD, create_account, unique_email
from tests.support.audit import ARTIFACTS, horizontal_overflow
from tests.support.screenshots import keep_screenshot
from tests.support.servers import LiveServer

SHOTS = ARTIFACTS / "screenshots"
NARROW = {"width": 320, "height": 640}
# One unbroken word, as a pasted address is, within the title's limit.
LONG_TITLE = "https://learning.example.org/courses/safeguarding-adults-level-3/" + "x" * 30


def _long_email() -> str:
    return f"alexandra.richardson-smythe.{uuid.uuid4().hex[:8]}@somersetcouncil.gov.uk"


@pytest.mark.parametrize("mode", JS_MODES)
def test_a_long_email_address_wraps_on_the_pages_that_show_it(
    browser: Browser, live_server: LiveServer, mode: str
) -> None:
    page = open_page(browser, live_server, mode, viewport=NARROW)
    email = _long_email()
    page.goto("/create-account")
    page.get_by_label("Full name").fill("Alexandra Richardson-Smythe")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_text(email)).to_be_visible()
    assert horizontal_overflow(page) == 0, "Check your email (new account)"

    page.goto("/forgot-password")
    page.get_by_label("What is the email address for your account?").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_text(email)).to_be_visible()
    assert horizontal_overflow(page) == 0, "Check your email (new password)"
    keep_screenshot(page, SHOTS / f"long-email-{mode}-320.png")
    page.context.close()


@pytest.mark.parametrize("mode", JS_MODES)
def test_a_title_of_one_long_word_wraps_wherever_it_is_shown(
    browser: Browser, live_server: LiveServer, mode: str
) -> None:
    page = open_page(browser, live_server, mode, viewport=NARROW)
    create_account(page, unique_email("long-word"))
    page.goto("/your-cpd/new/unstructured")
    page.get_by_label("Title").fill(LONG_TITLE)
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CPD")
    view = page.get_by_role("link", name=re.compile(r"^View\b"))
    expect(view).to_contain_text(LONG_TITLE)  # the link names its record
    assert horizontal_overflow(page) == 0, "Your CPD, with its saved banner"
    keep_screenshot(page, SHOTS / f"long-title-{mode}-320.png", full_page=True)

    view.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(LONG_TITLE[:40])
    assert horizontal_overflow(page) == 0, "the record's page"
    page.context.close()


@pytest.mark.parametrize("width", [320, 800])
def test_a_records_actions_stay_on_one_line_under_or_beside_a_long_title(
    browser: Browser, live_server: LiveServer, width: int
) -> None:
    """On Your CPD a record's card has View, Edit and Delete beside its title (from tablet
    width) or under it. Beside a title of two lines, Delete wrapped under the other two
    behind a stray separator."""
    page = open_page(
        browser, live_server, "no-javascript", viewport={"width": width, "height": 800}
    )
    create_account(page, unique_email("card-actions"))
    page.goto("/your-cpd/new/unstructured")
    page.get_by_label("Title").fill("Reading group on trauma-informed practice with the adult team")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CPD")
    tops = {
        round(page.get_by_role("link", name=re.compile(rf"^{action}\b")).bounding_box()["y"])
        for action in ("View", "Edit", "Delete")
    }
    assert len(tops) == 1, f"the actions are on {len(tops)} lines"
    keep_screenshot(page, SHOTS / f"card-actions-{width}.png", full_page=True)
    page.context.close()
