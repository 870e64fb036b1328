"""Helpers for driving the JavaScript enhancement in a browser."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from playwright.sync_api import Page

T = TypeVar("T")

FIRST_FIELD = "main form :is(input, textarea):not([type=hidden])"


def start_htmx(page: Page) -> None:
    """Into the page's first form field, as a person filling it in would, then wait for
    htmx: app.mjs starts it on the first focus, press or key, not as the page loads."""
    page.locator(FIRST_FIELD).first.focus()
    page.wait_for_function("() => window.htmx !== undefined")


def htmx_done(page: Page) -> None:
    """Wait until htmx has finished with every answer it was sent: swapped it in and
    settled it. Content htmx swaps in is wired up (its hx- attributes) only as it
    settles, 20 ms after the swap; the network answer comes before either, so a test
    that acts on the new content as soon as the answer arrives can act on content htmx
    is not yet listening to, and what it did is silently ignored (htmx's own classes
    mark each stage: requesting, swapping, settling, just added)."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function(f"() => !document.querySelector('{busy}')")


def settled(
    read: Callable[[], T],
    done: Callable[[T], bool],
    seconds: float,
    *,
    pause: Callable[[], object] = lambda: time.sleep(0.2),
) -> T:
    """``read()`` again after each ``pause`` (0.2 s) until ``done`` holds for it or
    ``seconds`` pass, for what no page shows (the database, the device's storage); the
    last reading."""
    deadline = time.monotonic() + seconds
    while not done(value := read()) and time.monotonic() < deadline:
        pause()
    return value


def held_soon(page: Page, held: list, count: int, seconds: float = 10) -> int:
    """How many requests a ``page.route`` handler has put in ``held``, once it is
    ``count`` or ``seconds`` have passed. Playwright's sync API runs handlers only while
    one of its own calls is waiting, never during ``time.sleep``: a request that reached
    the route after the last call (the form's Tab returned first) stayed unseen however
    long a bare sleep waited, so each pause here is a Playwright wait."""
    return settled(
        lambda: len(held), lambda n: n == count, seconds, pause=lambda: page.wait_for_timeout(200)
    )


def device_copies(page: Page) -> list[dict]:
    """The copies of unsent answers device-copies.mjs keeps in IndexedDB (each with its
    ``path`` and its ``fields`` as [name, value] pairs); none if it never kept one."""
    return page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open('record-cpd', 1)
          open.onupgradeneeded = () => open.transaction.abort()
          open.onerror = () => resolve([])
          open.onsuccess = () => {
            const db = open.result
            if (!db.objectStoreNames.contains('copies')) { db.close(); return resolve([]) }
            const all = db.transaction('copies').objectStore('copies').getAll()
            all.onsuccess = () => { db.close(); resolve(all.result) }
          }
        })"""
    )
