"""Page weight budget: what a phone on a weak connection downloads for the structured CPD
form. With an empty cache the first visit must transfer at most 60 KB (HTML, CSS,
JavaScript and images, compressed, headers included, as the browser received them,
the service worker's downloads included); a second visit transfers only the page's HTML.

The figures are printed (and kept in tests/_artifacts/page-weight.json); bench/README.md
records them next to the comparison the budget was set against.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request

from tests.browser.steps import create_account, unique_email
from tests.support.audit import ARTIFACTS
from tests.support.browser import start_htmx
from tests.support.servers import LiveServer

BUDGET_BYTES = 60 * 1024
PAGE = "/your-cpd/new/structured"
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")  # app/assets.py's content-hashed names


@dataclass
class Transfer:
    path: str
    kind: str  # HTML, CSS, JS, image, other
    fetched_by: str  # page or worker
    encoding: str
    bytes: int  # headers + body as received; 0 when a cache answered


def _kind(content_type: str) -> str:
    if content_type.startswith("text/html"):
        return "HTML"
    if content_type.startswith("text/css"):
        return "CSS"
    if "javascript" in content_type:
        return "JS"
    if content_type.startswith("image/"):
        return "image"
    return "other"


def _transfer(request: Request) -> Transfer | None:
    response = request.response()
    if response is None:
        return None
    sizes = request.sizes()
    headers, body = sizes["responseHeadersSize"], sizes["responseBodySize"]
    if headers + body <= 0:
        received = 0  # from the memory or disk cache, or the worker's cache
    else:
        if body == 0:
            # Chromium reports no body size for the worker script's own download.
            body = int(response.headers.get("content-length") or 0)
        received = headers + body
    return Transfer(
        path=urlsplit(request.url).path,
        kind=_kind(response.headers.get("content-type", "")),
        fetched_by="worker" if request.service_worker else "page",
        encoding=response.headers.get("content-encoding", "none"),
        bytes=received,
    )


class Recorder:
    """Every request the context makes, the page's and its service worker's."""

    def __init__(self, context: BrowserContext) -> None:
        self.finished: list[Request] = []
        self.pending = 0
        self.last_event = time.monotonic()
        context.on("request", self._started)
        context.on("requestfinished", self._finished)
        context.on("requestfailed", self._failed)

    def _started(self, _request: Request) -> None:
        self.pending += 1
        self.last_event = time.monotonic()

    def _finished(self, request: Request) -> None:
        self.pending -= 1
        self.finished.append(request)
        self.last_event = time.monotonic()

    def _failed(self, _request: Request) -> None:
        self.pending -= 1
        self.last_event = time.monotonic()

    def visit(self, page: Page, path: str) -> list[Transfer]:
        self.finished = []
        page.goto(path)
        # Into the first field, as a person filling in the form would: app.mjs imports
        # htmx (autosave, live counts) then, and its weight counts.
        start_htmx(page)
        self._wait_until_quiet(page)
        transfers = [_transfer(request) for request in self.finished]
        return [t for t in transfers if t is not None]

    def _wait_until_quiet(self, page: Page, quiet: float = 1.5, limit: float = 20) -> None:
        """Until nothing has started or finished for `quiet` seconds (the service worker
        precaches after the page has loaded)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            page.wait_for_timeout(250)  # lets Playwright deliver the events
            if self.pending <= 0 and time.monotonic() - self.last_event > quiet:
                return
        raise AssertionError(f"the network did not go quiet within {limit} s")


def _report(title: str, transfers: list[Transfer]) -> str:
    total = sum(t.bytes for t in transfers)
    lines = [f"{title}: {total:,} bytes ({total / 1024:.1f} KB) transferred"]
    for kind in ("HTML", "CSS", "JS", "image", "other"):
        subtotal = sum(t.bytes for t in transfers if t.kind == kind)
        if subtotal:
            lines.append(f"  {kind:6} {subtotal:>7,}")
    for t in sorted(transfers, key=lambda t: -t.bytes):
        lines.append(
            f"    {t.bytes:>7,}  {t.kind:5} {t.encoding:5} {t.fetched_by:6} {t.path}"
            + ("" if t.bytes else "  (cache)")
        )
    return "\n".join(lines)


def _signed_in_context(browser: Browser, live_server: LiveServer) -> BrowserContext:
    """A new browser context (an empty cache, no service worker) holding only the
    session cookie of an account created in another context."""
    setup = browser.new_context(base_url=live_server.url)
    page = setup.new_page()
    page.set_default_timeout(15_000)
    create_account(page, unique_email("weight"))
    state = setup.storage_state()
    setup.close()
    return browser.new_context(base_url=live_server.url, storage_state=state)


def test_the_structured_form_fits_the_page_weight_budget(
    browser: Browser, live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    context = _signed_in_context(browser, live_server)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        recorder = Recorder(context)
        first = recorder.visit(page, PAGE)
        second = recorder.visit(page, PAGE)
    finally:
        context.close()

    report = "\n".join(
        [
            _report(f"First visit to {PAGE} (empty cache)", first),
            _report(f"Second visit to {PAGE}", second),
        ]
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "page-weight.json").write_text(
        json.dumps(
            {"first": [asdict(t) for t in first], "second": [asdict(t) for t in second]},
            indent=2,
        )
    )
    with capsys.disabled():
        print(f"\n{report}")

    kinds = {t.kind for t in first if t.bytes}
    assert {"HTML", "CSS", "JS", "image"} <= kinds, f"expected every kind of file:\n{report}"
    assert all(t.encoding in ("br", "gzip") for t in first if t.bytes > 1024), (
        f"a file over 1 KB was sent uncompressed:\n{report}"
    )
    unhashed = sorted(
        {t.path for t in first if t.bytes and t.path.startswith("/static/")}
        - {t.path for t in first if HASHED.search(t.path)}
    )
    assert not unhashed, (
        f"downloaded by plain /static/ URLs: {unhashed}. Those are not cached for good, and "
        "are downloaded twice when the page uses the hashed URL of the same file: name "
        f"assets with url_for('static', filename=...) (app/assets.py):\n{report}"
    )
    first_total = sum(t.bytes for t in first)
    assert first_total <= BUDGET_BYTES, (
        f"first visit {first_total:,} bytes is over the {BUDGET_BYTES:,}-byte budget:\n{report}"
    )

    from_network = [t for t in second if t.bytes]
    assert from_network, f"the second visit fetched no HTML at all:\n{report}"
    assert all(t.kind == "HTML" and t.path == PAGE for t in from_network), (
        f"a second visit must transfer only the page's HTML:\n{report}"
    )
    assert any(t.kind != "HTML" for t in second), f"the second visit used no assets:\n{report}"
