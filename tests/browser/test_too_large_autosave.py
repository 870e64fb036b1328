"""An autosave too large for the server to read (413): nothing in it could be kept on
the server, so the page says so in the server's words, keeps the copy on the device,
and does not resend megabytes every 15 s as if it were offline."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import open_page
from tests.browser.steps import create_account, unique_email
from tests.support.browser import device_copies, start_htmx
from tests.support.servers import LiveServer

pytestmark = pytest.mark.db

FORM = "/your-cpd/new/structured"
LEARNED = "What did you learn?"
TOO_LARGE = "too large to send in one go"
# More than the server reads in one post (MAX_CONTENT_LENGTH, 25 MB).
TOO_MANY_BYTES = 26 * 1024 * 1024


def server_answer_to_an_oversized_autosave(live_server: LiveServer) -> tuple[int, dict, bytes]:
    """What the server answers an autosave it will not read: it refuses on the stated
    length, before reading the body (so none is sent here)."""
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.putrequest("POST", "/your-cpd/autosave")
        connection.putheader("HX-Request", "true")
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("Content-Length", str(TOO_MANY_BYTES))
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def test_a_too_large_autosave_says_so_and_is_not_resent_as_if_offline(
    browser, live_server: LiveServer
) -> None:
    page: Page = open_page(browser, live_server, "javascript")
    try:
        create_account(page, unique_email("too-large"))
        page.clock.install()  # to move past the 15 s retry without waiting for it
        page.goto(FORM)
        start_htmx(page)
        page.wait_for_function("() => window.recordCpdDeviceCopies === true")
        status, headers, body = server_answer_to_an_oversized_autosave(live_server)
        assert status == 413
        statuses: list[int] = []

        def oversized(route: Route) -> None:
            # As if this form had grown past what the server reads: its real answer.
            statuses.append(status)
            route.fulfill(status=status, headers=headers, body=body)

        page.route("**/your-cpd/autosave", oversized)
        page.get_by_label("Title").fill("A very long reflection")
        page.get_by_label(LEARNED).fill("Every word of this must be kept.")
        page.get_by_label(LEARNED).press("Tab")
        status_line = page.locator("#autosave-status")
        expect(status_line).to_contain_text(TOO_LARGE, timeout=30_000)
        page.wait_for_timeout(1_000)  # the rest of the answer's handling
        assert statuses and set(statuses) == {413}
        expect(status_line).not_to_contain_text("on this device only")
        expect(page.get_by_label(LEARNED)).to_have_value("Every word of this must be kept.")
        [copy] = device_copies(page)
        assert ["what_you_learned", "Every word of this must be kept."] in copy["fields"]

        # Resending the same megabytes cannot help: the next edit tries again.
        sent = len(statuses)
        page.clock.run_for(46_000)
        page.wait_for_timeout(1_000)
        assert len(statuses) == sent
        expect(status_line).to_contain_text(TOO_LARGE)
    finally:
        page.context.close()
