"""An error answer to an htmx request is a short message for the box that asked, never
a page (issue 23, item 1): htmx swaps what it gets into a live region inside the form,
and a page there (skip link, header with a second Sign out, footer) is read out entire."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.conftest import csrf_token_from

pytestmark = pytest.mark.db

HTMX = {"HX-Request": "true"}
PAGE_PARTS = re.compile(r"<(?:html|body|header|footer|main|nav|h1)\b|govuk-skip-link", re.I)


def _token(client: FlaskClient) -> str:
    return csrf_token_from(client.get("/feedback").get_data(as_text=True))


def _is_a_short_message(body: str) -> None:
    assert not PAGE_PARTS.search(body), body[:500]
    assert len(body) < 1_000, body[:500]
    assert not re.search(r"(?<![\d.])0 MB", body)


def test_a_box_pasted_far_past_its_limit_is_told_so_in_a_sentence(client: FlaskClient) -> None:
    response = client.post(
        "/your-cpd/check/what_you_learned",
        data={"csrf_token": _token(client), "what_you_learned": "x" * 90_000},
        headers=HTMX,
    )
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    _is_a_short_message(body)
    assert "What did you learn? is too long to check" in body


def test_a_document_explanation_too_long_to_count_says_so_in_its_count(
    client: FlaskClient,
) -> None:
    response = client.post(
        "/your-cpd/count-explanation/7",
        data={"csrf_token": _token(client), "document_explanation_7": "x" * 90_000},
        headers=HTMX,
    )
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    _is_a_short_message(body)
    assert "shorten this to 1,000 characters or fewer" in body
    assert 'id="document_explanation_7-announce"' in body


def test_other_errors_to_htmx_are_short_messages_too(client: FlaskClient) -> None:
    token = _token(client)
    answers = {
        "not found": client.post(
            "/your-cpd/check/no_such_box", data={"csrf_token": token}, headers=HTMX
        ),
        "page open too long": client.post(
            "/your-cpd/check/title", data={"title": "A title"}, headers=HTMX
        ),
    }
    assert {name: a.status_code for name, a in answers.items()} == {
        "not found": 404,
        "page open too long": 400,
    }
    for answer in answers.values():
        _is_a_short_message(answer.get_data(as_text=True))


def test_without_htmx_the_same_errors_are_whole_pages(client: FlaskClient) -> None:
    response = client.post(
        "/your-cpd/check/what_you_learned",
        data={"csrf_token": _token(client), "what_you_learned": "x" * 90_000},
    )
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "<footer" in body
    assert "What you sent is too large" in body
    assert re.search(r"smaller than \d+ KB", body)
