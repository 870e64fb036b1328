"""Dillo 3 and NetSurf 3, old engines with little or no JavaScript and old CSS, as a
stand-in for an old locked-down workplace browser: the form, its errors, Your CPD and
a record's page, screenshot under Xvfb and kept in tests/_artifacts/old-engines for
people to look at (the CSS they must get is checked in tests/unit/test_built_css.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.integration.test_cpd_records import structured_answers
from tests.support.audit import ARTIFACTS
from tests.support.http_client import signed_in_opener
from tests.support.servers import LiveServer, MailCatcher, SmtpServer

# A browser (Dillo and NetSurf): it draws the same pages whatever the database, so it runs once,
# not again on PostgreSQL (make test-postgres runs "db and not browser").
pytestmark = [pytest.mark.db, pytest.mark.browser]

SHOTS = ARTIFACTS / "old-engines"
PASSWORD = "sunlit orchard kettle"
# Each engine in a window as tall as the screen, so a whole form fits one picture.
SCREEN = "1024x4000x24"
NETSURF_CHOICES = "window_x:0\nwindow_y:0\nwindow_width:1000\nwindow_height:3980\n"


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match
    return match.group(1)


def _pages(base: str, mailbox: MailCatcher) -> dict[str, str]:
    """The four pages, as a signed-in person gets them."""
    opener = signed_in_opener(
        base, mailbox, email="old-engines@example.com", password=PASSWORD, full_name="Dee Dillo"
    )
    form = opener.open(base + "/your-cpd/new/structured").read().decode()
    answers = {**structured_answers(standard_parts=["4.3", "4.6"]), "csrf_token": _token(form)}
    recorded = opener.open(
        base + "/your-cpd/new/structured", urllib.parse.urlencode(answers, doseq=True).encode()
    )
    empty = {"csrf_token": _token(form), "action": "record", "completed_year": "2025"}
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(base + "/your-cpd/new/structured", urllib.parse.urlencode(empty).encode())
    return {
        "form": form,
        "errors": refused.value.read().decode(),
        "your-cpd": opener.open(base + "/your-cpd").read().decode(),
        "view": opener.open(recorded.geturl().removesuffix("/recorded")).read().decode(),
    }


def _screenshot(engine: str, page: Path, out: Path, home: Path) -> None:
    start = {
        "dillo": f"dillo -f -g 1024x4000+0+0 {page.as_uri()}",
        "netsurf": f"HOME={home} netsurf-gtk {page.as_uri()}",
    }[engine]
    script = f"{start} >/dev/null 2>&1 & sleep 5; import -window root {out}; kill $! || true"
    subprocess.run(
        ["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN}", "sh", "-c", script],
        check=True,
        timeout=60,
        capture_output=True,
    )


def test_dillo_and_netsurf_screenshots_of_the_form_errors_your_cpd_and_a_record(
    live_server: LiveServer, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    missing = [
        tool for tool in ("dillo", "netsurf-gtk", "xvfb-run", "import") if not shutil.which(tool)
    ]
    assert not missing, f"`make browsers` installs {missing}"
    home = tmp_path / "home"
    (home / ".config" / "netsurf").mkdir(parents=True)
    (home / ".config" / "netsurf" / "Choices").write_text(NETSURF_CHOICES)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, html in _pages(live_server.url, smtp_server.catcher).items():
        assert "Sign out" in html, name  # signed in
        page = tmp_path / f"{name}.html"
        # Saved to a file (neither engine keeps our session cookie), styles from the server.
        page.write_text(html.replace("<head>", f'<head><base href="{live_server.url}/">', 1))
        for engine in ("dillo", "netsurf"):
            out = SHOTS / f"{engine}-{name}.png"
            out.unlink(missing_ok=True)
            _screenshot(engine, page, out, home)
            colours = subprocess.run(
                ["identify", "-format", "%k", str(out)], capture_output=True, text=True, check=True
            ).stdout
            assert int(colours) > 8, f"{out.name} is blank: the engine drew nothing"
