"""A question added to the one table (app/questions.py) is asked everywhere at once: on
the form, in recording's errors, in the live count, in the anonymisation check, in the
record's page, the export and the import. Nothing else is edited to add it."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app import questions
from app.questions import STRUCTURED, Kind, Question
from app.records.models import CpdRecord
from tests.conftest import csrf_token_from, submit
from tests.integration.test_keep import import_file
from tests.support.answers import structured_answers

pytestmark = pytest.mark.db

WHO_HELPED = Question(
    "who_helped",
    "Who helped you with this CPD?",
    Kind.TEXT_AREA,
    (STRUCTURED,),
    hint="Their role, not their name, like ‘practice educator’",
    required=True,
    missing="Enter who helped you with this CPD",
    limit=50,
    checked_for_identifiers=True,
)
NEW = "/your-cpd/new/structured"


@pytest.fixture
def added_question(monkeypatch: pytest.MonkeyPatch) -> Iterator[Question]:
    """The table with one more question, before the parts of the standard."""
    table = list(questions.QUESTIONS)
    table.insert(len(table) - 1, WHO_HELPED)
    monkeypatch.setattr(questions, "QUESTIONS", tuple(table))
    yield WHO_HELPED


@pytest.fixture
def app(added_question: Question, app: Flask) -> Flask:
    """The app made after the question was added (its policy reads the limits then)."""
    return app


def _htmx(client: FlaskClient) -> dict[str, str]:
    token = csrf_token_from(client.get(NEW).get_data(as_text=True))
    return {"HX-Request": "true", "X-CSRFToken": token}


def _newest(db: Session) -> CpdRecord:
    records = db.exec(select(CpdRecord).order_by(CpdRecord.id.desc())).all()  # type: ignore[union-attr]
    return records[0]


def test_a_question_added_to_the_table_is_on_the_form_with_its_hint_and_count(
    signed_in_client: FlaskClient,
) -> None:
    html = signed_in_client.get(NEW).get_data(as_text=True)
    assert '<label class="govuk-label govuk-label--s" for="who_helped">' in html
    assert "Who helped you with this CPD?" in html
    assert "Their role, not their name, like ‘practice educator’" in html
    assert 'name="who_helped"' in html and 'data-count-limit="50"' in html
    assert "You can enter up to 50 characters" in html
    # In page order: after the last question before it, before the parts of the standard.
    assert html.index('name="peer_reflection"') < html.index('name="who_helped"')
    assert html.index('name="who_helped"') < html.index('name="standard_parts"')
    # Not on the form that does not ask it.
    assert 'name="who_helped"' not in signed_in_client.get("/your-cpd/new/unstructured").get_data(
        as_text=True
    )


def test_recording_without_it_or_over_its_limit_says_so(signed_in_client: FlaskClient) -> None:
    missing = submit(signed_in_client, NEW, structured_answers())
    assert missing.status_code == 400
    assert '<a href="#who_helped">Enter who helped you with this CPD</a>' in missing.get_data(
        as_text=True
    )
    too_long = submit(signed_in_client, NEW, structured_answers(who_helped="x" * 51))
    assert too_long.status_code == 400
    assert (
        "Who helped you with this CPD? must be 50 characters or fewer — you have 51"
        in too_long.get_data(as_text=True)
    )


def test_its_live_count_and_anonymisation_check_answer_for_it(
    signed_in_client: FlaskClient,
) -> None:
    headers = _htmx(signed_in_client)
    count = signed_in_client.post(
        "/your-cpd/count/who_helped", data={"who_helped": "A mentor"}, headers=headers
    )
    assert count.status_code == 200
    assert "You have 42 characters remaining" in count.get_data(as_text=True)
    check = signed_in_client.post(
        "/your-cpd/check/who_helped",
        data={"who_helped": "amira.khan@example.com"},
        headers=headers,
    )
    assert check.status_code == 200
    assert "an email address" in check.get_data(as_text=True)


def test_it_is_kept_shown_exported_and_imported(
    signed_in_client: FlaskClient, other_client: FlaskClient, db: Session
) -> None:
    saved = submit(signed_in_client, NEW, structured_answers(who_helped="A practice educator"))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    record = _newest(db)
    assert record.answers["who_helped"] == "A practice educator"
    assert record.is_recorded

    page = signed_in_client.get(f"/your-cpd/{record.id}").get_data(as_text=True)
    assert "Who helped you with this CPD?" in page and "A practice educator" in page

    data = signed_in_client.get("/your-cpd/download").get_data()
    exported = zipfile.ZipFile(io.BytesIO(data))
    records: list[dict[str, Any]] = json.loads(exported.read("records.json"))["records"]
    assert records[0]["answers"]["who_helped"] == "A practice educator"
    rows = list(csv.DictReader(io.StringIO(exported.read("records.csv").decode("utf-8-sig"))))
    assert "Who helped you with this CPD?\nA practice educator" in rows[0]["answers"]

    imported = import_file(other_client, data)
    assert imported.status_code == 200, imported.get_data(as_text=True)
    db.expire_all()
    copy = _newest(db)
    assert copy.id != record.id and copy.owner_id != record.owner_id
    assert copy.answers["who_helped"] == "A practice educator"
    assert copy.is_recorded  # today's rules, the new question's included, still record it
