"""Accessibility and HTML checks for pages rendered in a real browser."""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, Route

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = ROOT / "tests" / "_artifacts"

_axe = Axe()


def block_page_scripts(context: BrowserContext) -> set[str]:
    """Render pages as a browser without JavaScript would, while still letting axe run.

    Axe needs JavaScript (it hangs in a java_script_enabled=False context), so the
    documents get a CSP that forbids their own scripts; axe is injected by the driver,
    which CSP does not govern. Returns the set of URLs served that way: a document
    reached by following a redirect is not routed, so it must be reloaded (see
    ensure_scripts_blocked).
    """
    blocked: set[str] = set()

    def handler(route: Route) -> None:
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        headers = {**response.headers, "content-security-policy": "script-src 'none'"}
        route.fulfill(response=response, headers=headers)
        blocked.add(route.request.url)

    context.route("**/*", handler)
    return blocked


def ensure_scripts_blocked(page: Page, blocked: set[str]) -> None:
    if page.url not in blocked:
        page.reload()


# axe's source is 570 KB: injected once into a page (it stays until the page navigates),
# then run as often as the page is looked at (desktop width, then 320 px). Only the
# violations come back, in the words the assertion prints: the whole results object
# (every rule that passed) cost more to send back than the run.
_AXE_LOADED = "() => typeof window.axe === 'object'"
_AXE_VIOLATIONS = """async () => {
  const results = await window.axe.run(document, {resultTypes: ['violations']});
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length} nodes: `
    + `${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))})`);
}"""


def axe_violations(page: Page) -> list[str]:
    if not page.evaluate(_AXE_LOADED):
        page.evaluate(_axe.axe_script)
    return list(page.evaluate(_AXE_VIOLATIONS))


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 is good)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


class _HtmlChecker:
    """The Nu HTML Checker as a web service on 127.0.0.1, started once per test process
    the first time a page is checked: starting Java for every check cost 5-7 s, a page
    checked by the running service about 0.1 s. It answers exactly as the command line
    does (the same jar, the same checks); stopped when the process exits."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.ready = False

    def start(self) -> None:
        """Start the service without waiting for it (Java takes some seconds to be
        ready): ``messages`` waits. Started early, it gets ready while tests run."""
        if self.process is not None and self.process.poll() is None:
            return
        java = shutil.which("java")
        assert java, "java is needed for the Nu HTML Checker (make test installs it)"
        assert VNU_JAR.exists(), f"{VNU_JAR} is missing: run `npm ci` (make test does)"
        port = free_port()
        self.process = subprocess.Popen(  # noqa: S603
            [
                java,
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        atexit.register(self.process.terminate)
        self.port = port
        self.ready = False

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 120
        while True:
            assert self.process.poll() is None, "the Nu HTML Checker stopped while starting"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5):  # noqa: S310
                    self.ready = True
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "the Nu HTML Checker did not start in 120 s"
                time.sleep(0.2)

    def messages(self, html: str) -> list[dict]:
        if self.process is None or self.process.poll() is not None:
            self.start()
        if not self.ready:
            self._wait_until_ready()
        request = urllib.request.Request(  # noqa: S310 - our own checker on 127.0.0.1
            f"http://127.0.0.1:{self.port}/?out=json",
            data=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310
            return json.load(answer).get("messages", [])


_checker = _HtmlChecker()


def start_html_checker() -> None:
    """Start this process's checker service now, to be ready by its first page."""
    _checker.start()


def validate_html(pages: dict[str, str], label: str) -> list[str]:
    """The Nu HTML Checker's errors in each page's HTML, named ``page:line: message``.
    The pages are kept in tests/_artifacts/html/LABEL (a folder per caller, since make
    test runs two processes at once) for a person to check again by hand."""
    folder = ARTIFACTS / "html" / label
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    errors = []
    for name, html in sorted(pages.items()):
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
        errors += [
            f"{name}.html:{message.get('lastLine')}: {message.get('message')}"
            for message in _checker.messages(html)
            if message.get("type") == "error"
        ]
    return errors
