"""The offline and "could not be saved" messages stay in view on a phone (issue 23,
item 3): they are put in the status line as a paragraph, as the server's messages are,
so the sticky status style keeps them at the foot of a 320 px window rather than at the
end of the form, 3,500 px down."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import open_page
from tests.browser.steps import create_account, unique_email
from tests.browser.test_offline import DEVICE_ONLY, LEARNED, controlled_form
from tests.support.servers import LiveServer

pytestmark = pytest.mark.db

PHONE = {"viewport": {"width": 320, "height": 568}}
NOT_SAVED = "could not be saved just now"

IN_VIEW = """(status) => {
  const box = status.getBoundingClientRect()
  return box.height > 0 && box.top >= 0 && box.bottom <= innerHeight
}"""


def _type_at_the_top(page: Page) -> None:
    page.get_by_label("Title").fill("Written on a train")
    page.get_by_label(LEARNED).fill("Typed with no signal.")
    page.get_by_label(LEARNED).press("Tab")


def test_the_offline_message_is_in_view_at_320_pixels(
    browser: Browser, live_server: LiveServer
) -> None:
    page = open_page(browser, live_server, "javascript", **PHONE)
    try:
        create_account(page, unique_email("offline-phone"))
        controlled_form(page)
        page.context.set_offline(True)
        _type_at_the_top(page)
        status = page.locator("#autosave-status")
        expect(status).to_contain_text(DEVICE_ONLY)
        assert status.evaluate(IN_VIEW), status.bounding_box()
        expect(status.get_by_text(DEVICE_ONLY)).to_be_visible()
    finally:
        page.context.close()


def test_could_not_be_saved_is_in_view_at_320_pixels(
    browser: Browser, live_server: LiveServer
) -> None:
    # No service worker, so no copies on the device: app.mjs itself says the autosave
    # failed (here the server answers 500).
    page = open_page(browser, live_server, "javascript", **PHONE)
    page.add_init_script("delete Navigator.prototype.serviceWorker")
    try:
        create_account(page, unique_email("failed-phone"))
        page.goto("/your-cpd/new/structured")
        page.route(
            "**/your-cpd/autosave", lambda route: route.fulfill(status=503, body="Unavailable")
        )
        page.get_by_label("Title").focus()
        page.wait_for_function("() => window.htmx !== undefined")
        _type_at_the_top(page)
        status = page.locator("#autosave-status")
        expect(status).to_contain_text(NOT_SAVED)
        assert status.evaluate(IN_VIEW), status.bounding_box()
    finally:
        page.context.close()
