"""The print views and the downloaded year summary read without CSS (issue 23, item 5):
each part of the standard a record shows is an item of its own, so lynx, Dillo and
NetSurf, which draw the page without its styles, never run them together as
"4.3 Research, theories and frameworks 4.4 Knowledge, current issues and policy"."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.policy import Policy
from app.records.models import CpdRecord
from tests.integration.test_keep import download, make_account_with_cpd

# lynx: a text browser, drawing pages the same whatever the database (see
# test_text_browser.py), so this runs once, not again on PostgreSQL.
pytestmark = [pytest.mark.db, pytest.mark.browser]

# The structured record's parts (tests/support/answers.py).
CHOSEN = ("4.3", "4.4")


def _lynx_lines(html: str, tmp_path: Path) -> list[str]:
    lynx = shutil.which("lynx")
    assert lynx, "lynx is missing: `make test` installs it (apt-get install lynx)"
    page = tmp_path / "page.html"
    page.write_text(html)
    dump = subprocess.run(
        [lynx, "-dump", "-nolist", "-width=200", "-force_html", str(page)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.strip() for line in dump.splitlines()]


def _each_part_on_a_line_of_its_own(lines: list[str], where: str, policy: Policy) -> None:
    for part in (f"{p.number} {p.title}" for p in policy.standard_parts if p.number in CHOSEN):
        # A list item: the part alone on its line (lynx puts a bullet before it).
        alone = [line for line in lines if line.lstrip("*+-#o ").strip() == part]
        assert alone, f"{where}: {part!r} is not on a line of its own:\n" + "\n".join(
            line for line in lines if part in line
        )


def test_printing_a_record_or_a_year_and_the_year_summary_keep_the_parts_apart(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy, tmp_path: Path
) -> None:
    make_account_with_cpd(db, user, policy)
    record = db.exec(select(CpdRecord).where(CpdRecord.form_type == "structured")).first()
    assert record is not None and tuple(record.answers["standard_parts"]) == CHOSEN
    pages = {
        "print a record": signed_in_client.get(f"/your-cpd/{record.id}/print"),
        "print a year": signed_in_client.get("/your-cpd/years/2025/print"),
    }
    for where, response in pages.items():
        assert response.status_code == 200
        lines = _lynx_lines(response.get_data(as_text=True), tmp_path)
        _each_part_on_a_line_of_its_own(lines, where, policy)
    exported = download(signed_in_client)
    summary = next(n for n in exported.namelist() if n.startswith("summaries/"))
    lines = _lynx_lines(exported.read(summary).decode(), tmp_path)
    _each_part_on_a_line_of_its_own(lines, "the year summary", policy)
