"""Browser fixtures: Debian's Chromium driven by Playwright, with and without JavaScript."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import steps
from tests.support.audit import start_html_checker
from tests.support.screenshots import screenshot_open_pages
from tests.support.servers import LiveServer, SmtpServer

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """A failed browser test leaves a picture of each page it still has open (taken
    before its fixtures close them): screenshots are otherwise kept only for the pages
    people look at (tests/support/screenshots.py)."""
    report = yield
    browser = getattr(item, "funcargs", {}).get("browser")
    if call.when == "call" and report.failed and browser is not None:
        pages = [page for context in browser.contexts for page in context.pages]
        for path in screenshot_open_pages(pages, item.nodeid):
            report.sections.append(("screenshot", str(path)))
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _html_checker_started() -> None:
    """Every worker that runs browser tests audits pages: its Nu HTML Checker starts
    with it, and is ready by the first page checked (it took 10-17 s to start there)."""
    start_html_checker()


@pytest.fixture(scope="session", autouse=True)
def _mailbox_for_steps(smtp_server: SmtpServer) -> None:
    """create_account reads the confirmation email the live server sends."""
    steps.MAILBOX = smtp_server.catcher


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium (CHROMIUM_PATH overrides; unset and absent, Playwright's own)."""
    args = {**browser_type_launch_args, "args": CHROMIUM_FLAGS}
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if Path(path).exists():
        args["executable_path"] = path
    return args


# expect() waits for a condition and moves on as soon as it holds; its 5 s default is how
# long it waits before failing. make test's two workers, each with a browser and a server,
# share two cores: a page that took 5 s to come back failed a journey that was right.
expect.set_options(timeout=15_000)

JS_MODES = ["javascript", "no-javascript"]


def open_page(browser: Browser, live_server: LiveServer, mode: str, **context_args) -> Page:
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=(mode == "javascript"),
        **context_args,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture(scope="module")
def audit_session(browser: Browser, live_server: LiveServer, audit_account: str) -> list:
    """The cookies of one sign-in by the module's ``audit_account`` (each audit module
    makes its own), shared by the module's page audits that are not about signing in
    (test_every_page's ``_signed_in``): one sign-in per module, not one per page."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    steps.sign_in(page, audit_account)
    page.wait_for_url(re.compile(r"/account$"))
    cookies = context.cookies()
    context.close()
    return cookies


@pytest.fixture
def audit_values(
    live_server: LiveServer, audit_account: str, audit_session: list, smtp_server: SmtpServer
) -> dict:
    """What a page audit's visit is given (test_every_page's ``audit_visit``): the
    module's account and its shared sign-in, the mailbox and the live server's database."""
    return {
        "account": audit_account,
        "session_cookies": audit_session,
        "smtp": smtp_server,
        "database_url": live_server.database_url,
    }


@pytest.fixture(params=JS_MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def journey(browser: Browser, live_server: LiveServer, mode: str) -> Iterator[Page]:
    """A page in a fresh browser context, once with JavaScript and once without."""
    page = open_page(browser, live_server, mode)
    yield page
    page.context.close()


def assert_mode(page: Page, mode: str) -> None:
    """Prove the mode is real: the layout's inline script marks <body> when JS runs."""
    marked = page.locator("body.js-enabled").count() == 1
    assert marked == (mode == "javascript"), f"expected {mode}, body class says otherwise"
