"""At 400 % zoom (a 1280 x 1024 screen is 320 x 256 CSS pixels, each drawn 4 times
over) the autosave status never covers the field that has the keyboard focus (WCAG
2.2, 2.4.11 Focus Not Obscured), even with the longest message it has: the account's
storage is full (issue 23, item 2). And the timeout warning opens with the time left
and its action both in view, and its "signed out" with its heading (item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import open_page
from tests.browser.steps import create_account, unique_email
from tests.browser.test_storage_full import FORM, FULL, LEARNED, TYPED, fill_the_account
from tests.support.audit import ARTIFACTS
from tests.support.browser import htmx_done, start_htmx
from tests.support.servers import LiveServer

pytestmark = pytest.mark.db

ZOOMED = {"viewport": {"width": 320, "height": 256}, "device_scale_factor": 4}
SHOTS = ARTIFACTS / "screenshots"

# How much of the focused element is hidden behind anything drawn over it: the share of
# sample points across its visible line boxes where the topmost element is not it (or inside it).
# The element passed in, or else the focused one.
COVERED_SHARE = """(element) => {
  const field = element || document.activeElement
  let hidden = 0, all = 0
  // Each line box of it (a link in a hint can wrap onto two lines).
  for (const box of field.getClientRects()) {
    const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, innerHeight)
    for (let y = top + 1; y < bottom - 1; y += 4) {
      for (let x = box.left + 2; x < box.right - 2; x += 8) {
        all += 1
        const there = document.elementFromPoint(x, y)
        if (!there || !(there === field || field.contains(there))) hidden += 1
      }
    }
  }
  return all ? hidden / all : 1
}"""


def zoomed_page(browser: Browser, live_server: LiveServer) -> Page:
    return open_page(browser, live_server, "javascript", **ZOOMED)


@contextmanager
def zoomed_account(
    browser: Browser, live_server: LiveServer, name: str
) -> Iterator[tuple[Page, str]]:
    """A new account signed in at 400 %, and its email address."""
    email = unique_email(name)
    page = zoomed_page(browser, live_server)
    try:
        create_account(page, email)
        yield page, email
    finally:
        page.context.close()


def test_the_storage_full_message_never_covers_the_focused_field_at_400_percent(
    browser: Browser, live_server: LiveServer
) -> None:
    with zoomed_account(browser, live_server, "zoom-full") as (page, email):
        fill_the_account(live_server.database_url, email)
        page.goto(FORM)
        start_htmx(page)
        page.get_by_label("Title").fill(TYPED["Title"])
        page.get_by_label(LEARNED).fill(TYPED[LEARNED])
        with page.expect_response(lambda r: r.url.endswith("/your-cpd/autosave")):
            page.get_by_label(LEARNED).press("Tab")
        htmx_done(page)
        expect(page.get_by_role("status").filter(has_text=FULL)).to_have_count(1)
        page.screenshot(path=str(SHOTS / "storage-full-zoom-400.png"))
        assert page.evaluate("() => document.activeElement.id") == "practice_change"
        assert page.evaluate(COVERED_SHARE) == 0

        # And on through the form, a field at a time, as a keyboard user goes on.
        for _ in range(6):
            page.keyboard.press("Tab")
            assert page.evaluate(COVERED_SHARE) == 0, page.evaluate(
                "() => document.activeElement.id || document.activeElement.outerHTML.slice(0, 80)"
            )


def _shown_whole(locator: Locator, what: str) -> None:
    """In the window and drawn over by nothing (a sticky heading once hid the time left)."""
    expect(locator, f"{what} is not in view").to_be_in_viewport(ratio=1)
    assert locator.evaluate(COVERED_SHARE) == 0, f"{what} is covered"


def test_at_400_percent_the_timeout_warning_opens_with_the_time_left_and_the_action_in_view(
    browser: Browser, live_server: LiveServer
) -> None:
    with zoomed_account(browser, live_server, "zoom-timeout") as (page, _email):
        page.clock.install()
        page.goto("/your-cpd/new/unstructured")
        settings = page.locator("#session-timeout")
        timeout_ms = int(settings.get_attribute("data-timeout-seconds") or 0) * 1000
        warning_ms = int(settings.get_attribute("data-warning-seconds") or 0) * 1000
        page.clock.run_for(timeout_ms - warning_ms + 2_000)

        dialog = page.get_by_role("dialog", name="You will be signed out soon")
        expect(dialog).to_be_visible()
        stay = dialog.get_by_role("button", name="Stay signed in")
        expect(stay).to_be_focused()
        page.screenshot(path=str(SHOTS / "timeout-warning-zoom-400.png"))
        _shown_whole(stay, "Stay signed in")
        _shown_whole(dialog.locator("[data-countdown]"), "the time left")
        expect(dialog.locator("[data-countdown]")).to_have_text("2 minutes")
        # Both buttons full width, as GOV.UK buttons are on a narrow screen ("Sign out",
        # in its own form, was as wide as its words).
        sign_out_width = dialog.get_by_role("button", name="Sign out").bounding_box()["width"]
        assert sign_out_width == stay.bounding_box()["width"]

        page.clock.run_for(warning_ms)
        ended = page.get_by_role("dialog", name="You have been signed out")
        expect(ended).to_be_visible()
        page.screenshot(path=str(SHOTS / "signed-out-zoom-400.png"))
        _shown_whole(ended.get_by_role("heading", name="You have been signed out"), "heading")
        sign_in_again = ended.get_by_role("link", name="Sign in again")
        expect(sign_in_again).to_be_focused()
        _shown_whole(sign_in_again, "Sign in again")
