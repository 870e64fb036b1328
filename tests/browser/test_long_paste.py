"""A long paste into a limited box (issue 23, item 1): the box's live checks cannot read
90,000 characters, and what they answer is a short message for that box, never a whole
error page (skip link, header, footer) swapped into the form's live regions."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_mode, open_page
from tests.browser.steps import create_account, unique_email
from tests.support.browser import htmx_done, start_htmx
from tests.support.servers import LiveServer

pytestmark = pytest.mark.db

FORM = "/your-cpd/new/structured"
LEARNED = "What did you learn?"
PASTED = ("I reflected on the session with my supervisor at length. " * 1600)[:90_000]


def test_a_long_paste_puts_no_page_inside_the_form(journey: Page, mode: str) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("paste"))
    journey.goto(FORM)
    if mode == "javascript":
        start_htmx(journey)
    journey.get_by_label("Title").fill("A long reflection")
    journey.get_by_label(LEARNED).fill(PASTED)
    if mode == "javascript":
        checked: list[int] = []
        journey.on(
            "response", lambda r: checked.append(r.status) if "/your-cpd/check/" in r.url else None
        )
        with journey.expect_response(lambda r: "/your-cpd/check/what_you_learned" in r.url):
            journey.get_by_label(LEARNED).press("Tab")
        htmx_done(journey)
        expect(journey.locator("#autosave-status")).to_contain_text("Draft saved")
    else:
        journey.get_by_role("button", name="Save as draft").click()
        expect(journey.get_by_role("heading", level=1)).to_have_text("Your CPD")
        journey.get_by_role("link", name=re.compile("A long reflection")).first.click()
        journey.get_by_role("link", name=re.compile("^Edit")).first.click()
        expect(journey.get_by_role("heading", level=1)).to_have_text("Edit your CPD")

    form = journey.locator("#cpd-form")
    for role in ("heading", "banner", "contentinfo", "main", "navigation"):
        expect(form.get_by_role(role)).to_have_count(0)
    expect(journey.get_by_role("banner")).to_have_count(1)
    expect(journey.get_by_role("contentinfo")).to_have_count(1)
    expect(journey.locator("main")).to_have_count(1)
    expect(journey.get_by_role("link", name="Skip to main content")).to_have_count(1)
    expect(journey.get_by_text(re.compile(r"(?<![\d.])0 MB"))).to_have_count(0)
    assert journey.get_by_label(LEARNED).input_value() == PASTED, "the paste was not kept"
    if mode == "javascript":
        # The box's own region says, in a sentence, why it was not checked.
        region = journey.locator("#what_you_learned-identifiers")
        expect(region).to_contain_text("too long to check")
        assert len(region.inner_text()) < 400


def test_a_whole_page_from_anywhere_is_never_swapped_into_a_box(
    browser: Browser, live_server: LiveServer
) -> None:
    """Belt and braces: should a page still come back to an htmx request (a proxy's
    own 413 page, say), the page's script keeps it out of the form. (htmx runs only
    with JavaScript; the test above covers the plain form.)"""
    journey = open_page(browser, live_server, "javascript")
    create_account(journey, unique_email("proxy-page"))
    journey.goto(FORM)
    start_htmx(journey)
    proxy_page = (
        "<!DOCTYPE html><html><head><title>413 Request Entity Too Large</title></head>"
        "<body><header><h1>413 Request Entity Too Large</h1></header><main>nginx</main>"
        "<footer>nginx</footer></body></html>"
    )
    journey.route(
        "**/your-cpd/check/**",
        lambda route: route.fulfill(status=413, body=proxy_page, content_type="text/html"),
    )
    journey.get_by_label(LEARNED).fill("A short answer")
    with journey.expect_response(lambda r: "/your-cpd/check/what_you_learned" in r.url):
        journey.get_by_label(LEARNED).press("Tab")
    htmx_done(journey)
    form = journey.locator("#cpd-form")
    for role in ("heading", "banner", "contentinfo", "main"):
        expect(form.get_by_role(role)).to_have_count(0)
    expect(form).not_to_contain_text("nginx")
    journey.context.close()
