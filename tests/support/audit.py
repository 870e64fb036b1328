"""Accessibility and HTML checks for pages rendered in a real browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, Route

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


def axe_violations(page: Page) -> list[str]:
    results = _axe.run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {[n['target'] for n in v['nodes']][:3]})"
        for v in results.response["violations"]
    ]


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 is good)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def validate_html(pages: dict[str, str], label: str) -> list[str]:
    """Run the Nu HTML Checker once over every page; return its errors. The pages are kept
    in tests/_artifacts/html/LABEL: a folder per caller, since make test runs two at once."""
    java = shutil.which("java")
    assert java, "java is needed for the Nu HTML Checker (make test installs it)"
    assert VNU_JAR.exists(), f"{VNU_JAR} is missing: run `npm ci` (make test does)"
    folder = ARTIFACTS / "html" / label
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, html in pages.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    result = subprocess.run(  # noqa: S603
        [
            java,
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            *sorted(map(str, folder.glob("*.html"))),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or "{}").get("messages", [])
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error"
    ]
