"""Helpers for driving the JavaScript enhancement in a browser."""

from __future__ import annotations

from playwright.sync_api import Page

FIRST_FIELD = "main form :is(input, textarea):not([type=hidden])"


def start_htmx(page: Page) -> None:
    """Into the page's first form field, as a person filling it in would, then wait for
    htmx: app.mjs starts it on the first focus, press or key, not as the page loads."""
    page.locator(FIRST_FIELD).first.focus()
    page.wait_for_function("() => window.htmx !== undefined")
