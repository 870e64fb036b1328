"""Character counts are right at once on the device, offline too, and right as the page
loads (with JavaScript or without) for a draft already over the limit. They count as
the server does (code points, a line break once); the server still decides on saving."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from app.policy import Policy
from tests.browser.conftest import assert_mode, open_page
from tests.browser.steps import create_account, unique_email
from tests.support.servers import LiveServer

LEARNED = "What did you learn?"
LIMIT = Policy().limit("what_you_learned")


def _count(page: Page):
    """What the count under the box says (for sighted people)."""
    return page.locator("#what_you_learned-count .govuk-character-count__message").last


def test_an_over_limit_draft_shows_how_many_too_many_as_the_page_loads(
    journey: Page, mode: str
) -> None:
    create_account(journey, unique_email("count-load"))
    journey.goto("/your-cpd/new/structured")
    assert_mode(journey, mode)
    journey.get_by_label("Title").fill("Long reflection")
    journey.get_by_label(LEARNED).fill("é" * (LIMIT + 15))
    journey.get_by_role("button", name="Save as draft").click()
    journey.wait_for_url(re.compile(r"/your-cpd$"))
    journey.get_by_role("link", name=re.compile(r"^Edit")).first.click()
    expect(journey.get_by_label(LEARNED)).to_have_value("é" * (LIMIT + 15))
    expect(_count(journey)).to_have_text("You have 15 characters too many")
    expect(_count(journey)).to_have_class(re.compile("govuk-error-message"))


def test_offline_the_count_is_right_at_once_and_said_after_a_pause(
    browser: Browser, live_server: LiveServer
) -> None:
    journey = open_page(browser, live_server, "javascript")
    create_account(journey, unique_email("count-offline"))
    journey.goto("/your-cpd/new/structured")
    journey.context.set_offline(True)
    box = journey.get_by_label(LEARNED)
    box.fill("x" * (LIMIT - 6) + "\n" + "😀" * 20)  # a line break counts once, an emoji once
    expect(_count(journey)).to_have_text("You have 15 characters too many", timeout=300)
    announce = journey.locator("#what_you_learned-announce")
    expect(announce).to_have_text("You have 15 characters too many", timeout=3000)
    # One more character: the count changes at once; the announcement waits for a pause.
    box.press("End")
    box.press("y")
    expect(_count(journey)).to_have_text("You have 16 characters too many", timeout=300)
    expect(announce).to_have_text("You have 15 characters too many")
    expect(announce).to_have_text("You have 16 characters too many", timeout=3000)
    journey.context.close()
