"""Dillo 3 and NetSurf 3, old engines with little or no JavaScript and old CSS, as a
stand-in for an old locked-down workplace browser: the form, its errors, Your CPD and
a record's page, screenshot under Xvfb and kept in tests/_artifacts/old-engines for
people to look at (the CSS they must get is checked in tests/unit/test_built_css.py)."""

from __future__ import annotations

import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_cpd_records import structured_answers
from tests.support import screen
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


def _engine_command(engine: str, page: Path) -> tuple[list[str], dict[str, str]]:
    return {
        "dillo": (["dillo", "-f", "-g", "1024x4000+0+0", page.as_uri()], {}),
        "netsurf": (["netsurf-gtk", page.as_uri()], {"HOME": str(page.parent / "home")}),
    }[engine]


def _draw(
    display: str, engine: str, html: str, folder: Path, out: Path | None = None
) -> screen.Shot:
    """The page as the engine draws it, once it has finished drawing; kept as a PNG at
    ``out`` for people to look at. Always the same file name: NetSurf shows the address,
    and two versions of a page must differ only where their content does."""
    page = folder / "page.html"
    page.write_text(html)
    command, env = _engine_command(engine, page)
    with screen.showing(display, command, env):
        shot = screen.drawn(display)
        if out is not None:
            screen.save_png(display, out)
    return shot


def _first(pattern: str, html: str, replacement: str) -> str:
    changed, count = re.subn(pattern, replacement, html, count=1, flags=re.DOTALL)
    assert count == 1, f"the form has no {pattern}"
    return changed


RADIO = r'(<input[^>]*type="radio"[^>]*?)(\s*/?>)'
CHECKBOX = r'(<input[^>]*type="checkbox"[^>]*?)(\s*/?>)'
RADIO_LABEL = r"(<label[^>]*govuk-radios__label[^>]*>)\s*(.*?)\s*(</label>)"
# GOV.UK's body text is 19 px (16 px on small screens); a capital letter of a 16 px font
# is about 11 px tall. A label drawn shorter than this is too small to read comfortably.
READABLE_TEXT_PX = 10
WARNING = r'(<strong class="govuk-warning-text__text">)(.*?)(</strong>)'
# The window's edge and its scroll bar: text reaching into these is cut off.
EDGE_PX = 24
# NetSurf's toolbar (its buttons show whether it is loading) and status bar ("Done
# (0.3s)") show the browser's state, not the page: left out of every comparison.
TOOLBAR_PX = 45
STATUS_BAR_PX = 40


def _check_controls_and_labels(
    display: str, engine: str, html: str, folder: Path, plain: screen.Shot
) -> None:
    """What a person checks on the form: the first radio and the first checkbox are drawn
    unticked, show a tick when ticked and change nothing else; the radio's label is a
    readable size, beside its control, not drawn over it and not cut off."""
    for kind, pattern in (("radio", RADIO), ("checkbox", CHECKBOX)):
        ticked = _draw(display, engine, _first(pattern, html, r"\1 checked\2"), folder)
        tick = screen.difference(plain, ticked, skip_top=TOOLBAR_PX, skip_bottom=STATUS_BAR_PX)
        assert tick is not None, f"{engine}: ticking the first {kind} changes nothing drawn"
        left, top, right, bottom = tick
        assert right - left < 40 and bottom - top < 40, (
            f"{engine}: ticking the first {kind} changed more than the control: {tick}"
        )
        around = screen.grown(tick, max(right - left, bottom - top) // 2 + 2, plain)
        assert screen.ink(plain, around) > 0, f"{engine}: the unticked {kind} is not drawn"
        assert screen.darkness(ticked, around) > screen.darkness(plain, around), (
            f"{engine}: the ticked {kind} is not darker than the unticked one"
        )
        if kind == "radio":
            radio = around

    # The radio's label and the warning (the longest line of text) drawn, then drawn in
    # the page's white (Dillo ignores CSS visibility): what changed is where each is.
    hidden = _first(RADIO_LABEL, html, r'\1<span style="color: #ffffff">\2</span>\3')
    hidden = _first(WARNING, hidden, r'\1<span style="color: #ffffff">\2</span>\3')
    shown = _draw(display, engine, hidden, folder)
    texts = screen.differences(plain, shown, gap=20, skip_top=TOOLBAR_PX, skip_bottom=STATUS_BAR_PX)
    assert len(texts) == 2, f"{engine}: the warning and the label are not both drawn: {texts}"
    warning, label = texts
    print(f"{engine}: radio {radio}, label {label}, warning {warning}")
    left, top, right, bottom = label
    height = bottom - top + 1
    assert height >= READABLE_TEXT_PX, f"{engine}: the label is {height} px tall"
    assert left > radio[2], f"{engine}: the label {label} is not beside its radio {radio}"
    assert top <= radio[3] and bottom >= radio[1], f"{engine}: the label is not level with it"
    # Cut off by the window, text would reach its right edge (and the scroll bar there).
    for name, box in (("label", label), ("warning", warning)):
        assert box[2] < plain.width - EDGE_PX, f"{engine}: the {name} runs off the window: {box}"
    assert warning[3] - warning[1] + 1 >= 2 * READABLE_TEXT_PX, (
        f"{engine}: the warning is not wrapped onto lines of its own: {warning}"
    )


def each_drawn(
    pages: dict[str, str], base: str, folder: Path
) -> Iterator[tuple[str, str, str, str, screen.Shot]]:
    """Each page (its HTML by name) drawn by each engine on a virtual screen, kept as
    SHOTS/<engine>-<name>.png: (display, engine, name, html as drawn, what was drawn)."""
    tools = ("dillo", "netsurf-gtk", "Xvfb", "import")
    missing = [tool for tool in tools if not shutil.which(tool)]
    assert not missing, f"`make browsers` installs {missing}"
    home = folder / "home"
    (home / ".config" / "netsurf").mkdir(parents=True)
    (home / ".config" / "netsurf" / "Choices").write_text(NETSURF_CHOICES)
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Shown from a file (neither engine keeps our session cookie), styles from the server.
    pages = {
        name: html.replace("<head>", f'<head><base href="{base}/">', 1)
        for name, html in pages.items()
    }
    with screen.virtual_screen(SCREEN) as display:
        for engine in ("dillo", "netsurf"):
            for name, html in pages.items():
                out = SHOTS / f"{engine}-{name}.png"
                out.unlink(missing_ok=True)
                yield display, engine, name, html, _draw(display, engine, html, folder, out)


def test_dillo_and_netsurf_screenshots_of_the_form_errors_your_cpd_and_a_record(
    live_server: LiveServer, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    pages = _pages(live_server.url, smtp_server.catcher)
    for name, html in pages.items():
        assert "Sign out" in html, name  # signed in
    for display, engine, name, html, shot in each_drawn(pages, live_server.url, tmp_path):
        if name == "form":
            _check_controls_and_labels(display, engine, html, tmp_path, shot)
