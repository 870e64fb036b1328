"""A short journey in lynx, a text browser with no JavaScript and no CSS, driven by a
keystroke script: sign in, open the unstructured form, fill it in, save it as a draft,
and see it on Your CPD. If lynx can do it, any browser that can post a form can."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.support.http_client import signed_in_opener
from tests.support.records import records_of
from tests.support.servers import LiveServer, SmtpServer

# A browser (lynx): it draws the same pages whatever the database, so it runs once,
# not again on PostgreSQL (make test-postgres runs "db and not browser").
pytestmark = [pytest.mark.db, pytest.mark.browser]

EMAIL = "lynx-user@example.com"
PASSWORD = "sunlit orchard kettle"
# What lynx stops on when Down Arrow moves through a page, as `lynx -dump` draws them:
# numbered links, buttons, text-field lines, checkboxes and named submit buttons.
STOP = re.compile(r"\[\d+\]|\(BUTTON\)|_{20,}|\[ \]|\((?:record|draft)\)")


def lynx() -> str:
    path = shutil.which("lynx")
    assert path, "lynx is missing: `make test` installs it (apt-get install lynx)"
    return path


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match
    return match.group(1)


def _stops(html: str, tmp_path: Path) -> list[str]:
    """Each Down Arrow stop on the page, with the line of text it sits on."""
    page = tmp_path / "page.html"
    page.write_text(html)
    dump = subprocess.run(
        [lynx(), "-dump", "-force_html", str(page)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    stops: list[str] = []
    for line in dump.split("\nReferences\n")[0].splitlines():
        found = list(STOP.finditer(line))
        if not found:
            continue
        starts = [0] + [match.start() for match in found[1:]]
        ends = [match.start() for match in found[1:]] + [len(line)]
        stops.extend(line[start:end].strip() for start, end in zip(starts, ends, strict=True))
    return stops


def _index(stops: list[str], label: str) -> int:
    return next(i for i, line in enumerate(stops) if label in line)


def _keys(*steps: tuple[str, object]) -> str:
    lines: list[str] = []
    for kind, value in steps:
        if kind == "down":
            lines += ["key Down Arrow"] * int(str(value))
        elif kind == "type":
            # Printable characters as they are; a space is written in hex or lynx trims it.
            lines += ["key 0x20" if ch == " " else f"key {ch}" for ch in str(value)]
        elif kind == "key":
            lines.append(f"key {value}")
    return "\n".join(lines) + "\n"


def _run_lynx(script: str, start: str, tmp_path: Path) -> str:
    commands = tmp_path / "keys.txt"
    commands.write_text(script)
    result = subprocess.run(
        [lynx(), "-accept_all_cookies", f"-cmd_script={commands}", start],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env={**os.environ, "TERM": "vt100", "HOME": str(tmp_path)},
        timeout=120,
    )
    screen = result.stdout.decode("utf-8", "replace")
    screen = re.sub(
        r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Z]|\x1b[=>]|[\x00-\x08\x0e-\x1f]", " ", screen
    )
    return re.sub(r"\s+", " ", screen)


def test_lynx_signs_in_and_saves_an_unstructured_draft(
    live_server: LiveServer, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    base = live_server.url
    opener = signed_in_opener(
        base, smtp_server.catcher, email=EMAIL, password=PASSWORD, full_name="Lee Lynx"
    )
    sign_in = _stops(urllib.request.urlopen(base + "/sign-in").read().decode(), tmp_path)
    form = _stops(opener.open(base + "/your-cpd/new/unstructured").read().decode(), tmp_path)

    email_at = _index(sign_in, "Email address")
    title_at = next(i for i, stop in enumerate(form) if stop.startswith("____"))
    describe_at = title_at + 4  # day, month and year come between
    part_at = _index(form, "4.7 Recording learning")
    # The last "Save as draft": the first is the form's default button for Enter
    # (out of sight in a graphical browser, a harmless extra stop in lynx).
    draft_at = max(i for i, stop in enumerate(form) if "Save as draft" in stop)
    assert form[draft_at - 1].startswith("(record)"), form  # the two buttons, in order

    script = _keys(
        # Sign in (lynx starts on the first link of the page).
        ("down", email_at),
        ("type", EMAIL),
        ("down", 1),
        ("type", PASSWORD),
        ("down", _index(sign_in, "(BUTTON) Sign in") - email_at - 1),
        ("key", "^J"),
        # Go to the unstructured form by its address, as a person following the link.
        ("key", "g"),
        ("type", base + "/your-cpd/new/unstructured"),
        ("key", "^J"),
        ("down", title_at),
        ("type", "Lynx draft on reflective supervision"),
        ("down", describe_at - title_at),
        ("type", "Notes typed in a text browser."),
        ("down", part_at - describe_at),
        ("key", "^J"),  # tick 4.7
        # One more stop than the dump shows: lynx -dump draws the file field
        # ("Supporting documents") as blank space, but Down Arrow stops on it.
        ("down", draft_at - part_at + 1),
        ("key", "^J"),  # Save as draft
        ("key", "q"),
        ("key", "y"),
    )
    screen = _run_lynx(script, base + "/sign-in", tmp_path)
    assert "is saved as a draft" in screen, screen[-3000:]
    # The notice at the top of Your CPD, the page lynx lands on after saving.
    assert "Lynx draft on reflective supervision" in screen
    assert "Drafts do not count towards your renewal" in screen

    [(status, answers)] = records_of(live_server.database_url, EMAIL)
    assert status == "draft"
    assert answers["title"] == "Lynx draft on reflective supervision"
    assert answers["description"].startswith("Notes typed in a text browser.")
    assert answers["standard_parts"] == ["4.7"]


# Words that only mean something where scripts run: the timeout warning's dialog.
SCRIPT_ONLY_TEXT = (
    "You will be signed out soon",
    "Stay signed in",
    "You have been signed out",
    "we signed you out after",
)


def _dump(html: str, tmp_path: Path) -> str:
    page = tmp_path / "page.html"
    page.write_text(html)
    return subprocess.run(
        [lynx(), "-dump", "-force_html", "-nolist", str(page)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _signed_in_pages(app, client) -> dict[str, str]:
    """Every page a signed-in person can open by GET, with real records in it."""
    from tests.conftest import submit
    from tests.integration.test_cpd_records import structured_answers

    recorded = submit(client, "/your-cpd/new/structured", structured_answers())
    record_id = re.search(r"/your-cpd/(\d+)", recorded.headers["Location"]).group(1)
    submit(client, "/your-cpd/new/unstructured", {"action": "draft"})
    pages: dict[str, str] = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in {
            "static",
            "offline.service_worker",
            "offline.offline_page",  # the same for everyone, signed in or not
        }:
            continue
        if rule.endpoint.startswith("auth.") or rule.endpoint in {
            "cpd.count",
            "cpd.count_explanation",
            "cpd.check_identifiers",
        }:
            continue  # pages for the signed-out, and htmx fragments
        path = rule.rule.replace("<int:record_id>", record_id)
        path = re.sub(r"<[^>]+>", "structured", path)
        response = client.get(path)
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[path] = response.get_data(as_text=True)
    return pages


def test_no_signed_in_page_shows_lynx_text_that_needs_scripts(
    app, signed_in_client, tmp_path: Path
) -> None:
    pages = _signed_in_pages(app, signed_in_client)
    assert {"/account", "/your-cpd", "/your-cpd/new/structured"} <= set(pages)
    assert len(pages) >= 10, sorted(pages)
    for path, html in pages.items():
        shown = re.sub(r"\s+", " ", _dump(html, tmp_path))
        assert "Sign out" in shown, path  # signed in, and the lynx dump is real
        for words in SCRIPT_ONLY_TEXT:
            assert words not in shown, f"{path} shows “{words}” where scripts do not run"


def test_no_page_sends_a_button_that_only_scripts_can_work(
    app, client, user, tmp_path: Path
) -> None:
    """A type=button does nothing without scripts: lynx and Dillo showed a dead "Show"
    beside every password box (the `hidden` attribute means nothing to them)."""
    from tests.conftest import PASSWORD, submit

    pages = {
        path: client.get(path).get_data(as_text=True) for path in ("/sign-in", "/create-account")
    }
    submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    pages.update(_signed_in_pages(app, client))
    for path, html in pages.items():
        assert not re.search(r"<button[^>]*type=\"button\"", html), path
    assert "(BUTTON) Show" not in _dump(pages["/sign-in"], tmp_path)
