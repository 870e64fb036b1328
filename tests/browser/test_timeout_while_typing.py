"""The timeout warning and someone typing when it comes (issue 23, item 5): the words
typed since the last autosave are saved first, which counts as activity, so no warning
opens with a countdown that is no longer true (it used to open, its own autosave moved
the end, and it sat at "2 minutes"). Driven by the page's clock, not by waiting."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import open_page
from tests.browser.steps import create_account, unique_email
from tests.support.browser import htmx_done, start_htmx
from tests.support.records import answers_of
from tests.support.servers import LiveServer

pytestmark = pytest.mark.db

MINUTE = 60_000
IDLE, WARNING = 60 * MINUTE, 2 * MINUTE  # the policy's defaults
TYPED = "Typed for an hour without leaving the box"


def _countdown(page: Page) -> str:
    return page.locator("[data-countdown]").inner_text()


def test_typing_when_the_warning_is_due_is_saved_and_the_countdown_stays_true(
    browser: Browser, live_server: LiveServer
) -> None:
    email = unique_email("typing-timeout")
    page = open_page(browser, live_server, "javascript")
    try:
        create_account(page, email)
        page.clock.install()
        page.goto("/your-cpd/new/structured")
        start_htmx(page)
        title = page.get_by_label("Title")
        title.fill(TYPED)  # still in the box: nothing autosaved yet
        dialog = page.get_by_role("dialog", name="You will be signed out soon")

        with page.expect_response(lambda r: r.url.endswith("/your-cpd/autosave")):
            page.clock.run_for(IDLE - WARNING + 2_000)
        page.clock.run_for(1_000)
        htmx_done(page)
        assert [a.get("title") for a in answers_of(live_server.database_url, email)] == [TYPED]
        expect(dialog).to_be_hidden()
        expect(title).to_be_focused()

        # Nothing more typed: the warning comes, and its countdown runs down.
        page.clock.run_for(IDLE - WARNING)
        expect(dialog).to_be_visible()
        assert _countdown(page) == "2 minutes"
        page.clock.run_for(MINUTE)
        expect(dialog).to_be_visible()
        assert _countdown(page) == "1 minute"
        page.clock.run_for(45_000)
        # Rewritten every 15 s (a ticking text is noise to a screen reader).
        assert re.fullmatch(r"1[5-6] seconds", _countdown(page))
    finally:
        page.context.close()
