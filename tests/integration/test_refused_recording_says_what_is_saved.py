"""A refused "Save and record CPD" (or "Save changes") says whether the answers it shows
are saved. Without JavaScript nothing is autosaved: someone who read the errors and left
by "Back to your CPD" lost words the page never said were unsaved (exploratory QA), and
a refusal that did keep a draft (files came too) did not say so either."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.records.models import CpdRecord
from tests.conftest import submit
from tests.support.answers import unstructured_answers

pytestmark = pytest.mark.db

NOT_SAVED = "Your answers are not saved yet"
SAVED = "Your answers are saved as a draft"
CHANGES_NOT_SAVED = "Your changes are not saved yet"
CHANGES_SAVED = "Your changes are saved as a draft"
NEW = "/your-cpd/new/unstructured"


def summary_of(response: Any) -> str:
    """The error summary's words, spaces collapsed."""
    page = response.get_data(as_text=True)
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert match, "the page has no error summary"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def only_record(db: Session) -> CpdRecord:
    db.expire_all()
    [record] = db.exec(select(CpdRecord)).all()
    return record


def test_a_new_form_refused_says_nothing_is_saved_yet(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = submit(signed_in_client, NEW, unstructured_answers(completed_day=""))
    assert response.status_code == 400
    summary = summary_of(response)
    assert NOT_SAVED in summary and "Save as draft" in summary
    assert db.exec(select(CpdRecord)).all() == []


def test_a_draft_refused_with_the_answers_it_has_says_they_are_saved(
    signed_in_client: FlaskClient, db: Session
) -> None:
    answers = unstructured_answers(completed_day="", action="draft")
    submit(signed_in_client, NEW, answers)
    record = only_record(db)
    refused = submit(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        {**answers, "action": "record", "version": str(record.version)},
    )
    assert refused.status_code == 400
    assert SAVED in summary_of(refused)

    # Changed since the draft was saved: those changes are not.
    refused = submit(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        {**answers, "title": "A new title", "action": "record", "version": str(record.version)},
    )
    assert NOT_SAVED in summary_of(refused)
    assert only_record(db).answers["title"] == answers["title"]


def test_a_refusal_that_kept_the_files_says_the_answers_are_saved(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = submit(
        signed_in_client,
        NEW,
        {
            **unstructured_answers(completed_day=""),
            "documents": (io.BytesIO(b"Certificate of attendance"), "certificate.txt"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert SAVED in summary_of(response)
    assert only_record(db).status == "draft"


def test_recorded_cpd_refused_says_whether_the_changes_are_saved(
    signed_in_client: FlaskClient, db: Session
) -> None:
    submit(signed_in_client, NEW, unstructured_answers())
    record = only_record(db)
    edit = f"/your-cpd/{record.id}/edit"
    refused = submit(signed_in_client, edit, unstructured_answers(description="", version="1"))
    assert refused.status_code == 400
    assert CHANGES_NOT_SAVED in summary_of(refused)

    changes = unstructured_answers(description="", action="draft", version="1")
    submit(signed_in_client, edit, changes)
    refused = submit(signed_in_client, edit, {**changes, "action": "record", "version": "2"})
    assert CHANGES_SAVED in summary_of(refused)
    assert "recorded version still counts" in summary_of(refused)
    assert only_record(db).status == "recorded"
