"""In forced colours (Windows High Contrast) the header's "Sign out" button looks like
the links beside it, not like plain text (issue 23, item 5): the system gives links
LinkText and buttons ButtonText, so the button must ask for LinkText itself."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import open_page
from tests.browser.steps import create_account, unique_email
from tests.support.servers import LiveServer

pytestmark = pytest.mark.db

LOOK = """(element) => {
  const style = getComputedStyle(element)
  return { color: style.color, underline: style.textDecorationLine }
}"""


def test_sign_out_looks_like_a_link_in_forced_colours(
    browser: Browser, live_server: LiveServer
) -> None:
    page = open_page(browser, live_server, "javascript", forced_colors="active")
    try:
        create_account(page, unique_email("forced"))
        navigation = page.get_by_role("navigation", name="Account")
        link = navigation.get_by_role("link", name="Your CPD")
        sign_out = navigation.get_by_role("button", name="Sign out")
        link.hover()  # nothing under the pointer but this link
        assert page.evaluate("() => matchMedia('(forced-colors: active)').matches")
        assert sign_out.evaluate(LOOK)["color"] == link.evaluate(LOOK)["color"]
        page.mouse.move(0, 0)
        assert sign_out.evaluate(LOOK)["color"] == link.evaluate(LOOK)["color"]
    finally:
        page.context.close()
