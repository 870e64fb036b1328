"""Dillo 3 and NetSurf 3 (old engines, little JavaScript, old CSS) on the pages issue 23
changed last: Your CPD with many drafts (page 1 and page 2), Your drafts, Ready to renew,
the print views and the downloaded year summary. Screenshots are kept in
tests/_artifacts/old-engines for people to look at; on the printed record each engine
must draw the parts of the standard on lines of their own."""

from __future__ import annotations

import datetime as dt
import io
import re
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from app.cpd.listing import PAGE_SIZE
from app.records.models import DRAFT, RECORDED
from tests.integration.test_cpd_records import structured_answers
from tests.integration.test_old_engines import (
    PASSWORD,
    SHOTS,
    STATUS_BAR_PX,
    TOOLBAR_PX,
    _draw,
    _token,
    each_drawn,
)
from tests.support import screen
from tests.support.http_client import signed_in_opener
from tests.support.records import top_up
from tests.support.servers import LiveServer, SmtpServer

# A browser (Dillo and NetSurf): the same pages whatever the database, so it runs once,
# not again on PostgreSQL (make test-postgres runs "db and not browser").
pytestmark = [pytest.mark.db, pytest.mark.browser]

EMAIL = "old-engines-lists@example.com"
PARTS = ("4.3", "4.4")


def _pages(live_server: LiveServer, smtp_server: SmtpServer) -> dict[str, str]:
    base = live_server.url
    opener = signed_in_opener(
        base, smtp_server.catcher, email=EMAIL, password=PASSWORD, full_name="Nell Netsurf"
    )
    form = opener.open(base + "/your-cpd/new/structured").read().decode()
    today = dt.date.today()
    answers = {
        **structured_answers(standard_parts=list(PARTS)),
        "completed_day": str(today.day),
        "completed_month": str(today.month),
        "completed_year": str(today.year),
        "csrf_token": _token(form),
    }
    recorded = opener.open(
        base + "/your-cpd/new/structured", urllib.parse.urlencode(answers, doseq=True).encode()
    )
    record = recorded.geturl().removesuffix("/recorded")
    top_up(live_server.database_url, EMAIL, RECORDED, PAGE_SIZE + 3)
    top_up(live_server.database_url, EMAIL, DRAFT, PAGE_SIZE + 2)
    your_cpd = opener.open(base + "/your-cpd").read().decode()
    year = re.search(r'href="(/your-cpd/years/\d+/print)"', your_cpd)
    assert year, "Your CPD has no link to print this year"
    archive = zipfile.ZipFile(io.BytesIO(opener.open(base + "/your-cpd/download").read()))
    (summary,) = [n for n in archive.namelist() if n.startswith("summaries/")]
    return {
        "your-cpd-many-drafts": your_cpd,
        "your-cpd-page-2": opener.open(base + "/your-cpd?page=2").read().decode(),
        "your-drafts": opener.open(base + "/your-cpd/drafts").read().decode(),
        "print-record": opener.open(record + "/print").read().decode(),
        "print-year": opener.open(base + year.group(1)).read().decode(),
        # A file of its own with its styles inside: shown as it is.
        "year-summary": archive.read(summary).decode(),
    }


def _whited_out(html: str, number: str) -> str:
    """The page with the chosen part ``number``, in the record's answers, drawn in white."""
    changed, count = re.subn(
        rf"<li>({re.escape(number)} [^<]*)</li>",
        r'<li><span style="color: #ffffff">\1</span></li>',
        html,
        count=1,
    )
    assert count == 1, f"part {number} is not an item of its own in the printed answers"
    return changed


def _check_parts_on_lines_of_their_own(
    display: str, engine: str, html: str, folder: Path, plain: screen.Shot
) -> None:
    boxes = []
    for number in PARTS:
        hidden = _draw(display, engine, _whited_out(html, number), folder)
        box = screen.difference(plain, hidden, skip_top=TOOLBAR_PX, skip_bottom=STATUS_BAR_PX)
        assert box is not None, f"{engine}: part {number} is not drawn"
        boxes.append(box)
    first, second = boxes
    print(f"{engine}: parts drawn at {first} and {second}")
    assert second[1] > first[3], f"{engine}: the parts share a line: {first}, {second}"
    assert abs(second[0] - first[0]) <= 2, f"{engine}: the parts do not line up: {boxes}"


def test_dillo_and_netsurf_draw_drafts_ready_to_renew_and_the_print_views(
    live_server: LiveServer, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    pages = _pages(live_server, smtp_server)
    drawn = each_drawn(pages, live_server.url, tmp_path)
    for display, engine, name, html, shot in drawn:
        assert (SHOTS / f"{engine}-{name}.png").exists()
        if name == "print-record":
            _check_parts_on_lines_of_their_own(display, engine, html, tmp_path, shot)
