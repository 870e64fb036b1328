"""Screenshots: kept when a test fails, and otherwise only for the pages people look at.

Every full-page screenshot costs Chromium a few tenths of a second; the suite took about
a hundred on every run and nobody looked at most of them. Now:
- a failing browser test leaves a picture of each page it still had open
  (tests/browser/conftest.py, in tests/_artifacts/failures/);
- ``keep_screenshot`` saves a picture only for the pages in LOOKED_AT, or for every page
  when RECORD_CPD_SCREENSHOTS=all (set it when you change a page and want to look at it
  at desktop width and at 320 px, as the project asks).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page

from tests.support.audit import ARTIFACTS

FAILURES = ARTIFACTS / "failures"
# Pictures people look at on every run: the two forms a registrant spends time in, and
# Your CPD, each with and without JavaScript, at desktop width and at 320 px; the printed
# record (print styles have no other check of how they look). The pages themselves, not
# their variants ("structured-form-errors-..." and the like are drawn only when asked).
LOOKED_AT = re.compile(
    r"(structured-form|unstructured-form|your-cpd|print-record)-(javascript|no-javascript)-"
)


def wanted(path: Path) -> bool:
    return os.environ.get("RECORD_CPD_SCREENSHOTS") == "all" or bool(LOOKED_AT.match(path.name))


def keep_screenshot(page: Page, path: Path, *, full_page: bool = False) -> None:
    """``page.screenshot(path=...)`` for a picture people look at; nothing otherwise."""
    if wanted(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=full_page)


def screenshot_open_pages(pages: list[Page], test_id: str) -> list[Path]:
    """A picture of every page still open when a test failed, named after the test."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", test_id)[-150:]
    kept = []
    for number, page in enumerate(pages):
        path = FAILURES / f"{stem}-{number}.png"
        try:
            page.screenshot(path=str(path), full_page=True, timeout=5_000)
        except Exception:  # noqa: BLE001, S112 - a page that cannot be drawn has nothing to show
            continue
        kept.append(path)
    return kept
