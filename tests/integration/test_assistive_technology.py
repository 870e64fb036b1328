"""What a screen reader hears, read from the HTML the server sends: lists that are
lists, and link names that tell records apart."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.conftest import submit
from tests.integration.test_cpd_records import structured_answers

pytestmark = pytest.mark.db


def _link_names(html: str) -> list[str]:
    """Each link's accessible name: its text, visually hidden parts included."""
    names = re.findall(r"<a\b[^>]*>(.*?)</a>", html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", name)).strip() for name in names]


def test_the_view_page_reads_each_part_of_the_standard_as_a_list_item(
    signed_in_client: FlaskClient,
) -> None:
    response = submit(signed_in_client, "/your-cpd/new/structured", structured_answers())
    path = response.headers["Location"].removesuffix("/recorded")
    html = signed_in_client.get(path).get_data(as_text=True)
    row = re.search(
        r"Which parts of the CPD standard does this show\?\s*</dt>\s*<dd[^>]*>(.*?)</dd>",
        html,
        re.S,
    )
    assert row, "no answer row for the parts of the standard"
    items = [
        re.sub(r"\s+", " ", item).strip()
        for item in re.findall(r"<li[^>]*>(.*?)</li>", row.group(1), re.S)
    ]
    assert [item[:3] for item in items] == ["4.3", "4.4"], row.group(1)


def test_several_untitled_drafts_have_distinct_link_names_on_your_cpd(
    signed_in_client: FlaskClient,
) -> None:
    for _ in range(3):
        submit(signed_in_client, "/your-cpd/new/unstructured", {"action": "draft"})
    names = _link_names(signed_in_client.get("/your-cpd").get_data(as_text=True))
    for action in ("View", "Edit", "Delete"):
        links = [name for name in names if name.startswith(action) and "Untitled draft" in name]
        assert len(links) == 3, names
        assert len(set(links)) == 3, links


def test_the_accessibility_statement_says_what_was_tested_in_which_browsers(
    client: FlaskClient,
) -> None:
    html = client.get("/accessibility").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "What we tested, and in which browsers" in text
    for browser in ("Chromium", "lynx", "Dillo", "NetSurf"):
        assert re.search(rf"<t[hd][^>]*>[^<]*{browser}", html), browser
    for check in ("400%", "320 pixels", "keyboard", "screen reader", "without JavaScript"):
        assert check in text, check
    assert "not tested" in text  # it says what we have not tried, too
