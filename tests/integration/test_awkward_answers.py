"""Answers no form expects (a date box holding a twenty-digit number, a box far over its
limit, a post larger than the server reads) still come back on the form, every one of
them, with a clear error: none is a server error and none loses what else was typed."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.cpd.document_views import upload_request_limit
from tests.conftest import csrf_token_from, submit
from tests.integration.test_autosave_endpoints import HX, autosave, stored
from tests.integration.test_cpd_records import structured_answers, text_of

pytestmark = pytest.mark.db

HUGE = "99999999999999999999"


@pytest.mark.parametrize("box", ["completed_day", "completed_month", "completed_year"])
def test_a_huge_number_in_a_date_box_is_an_error_on_recording_and_every_answer_is_kept(
    signed_in_client: FlaskClient, db: Session, box: str
) -> None:
    answers = structured_answers(**{box: HUGE})
    response = submit(signed_in_client, "/your-cpd/new/structured", answers)
    assert response.status_code == 400
    page = text_of(response)
    assert "Date you completed this CPD must be a real date" in page
    body = response.get_data(as_text=True)
    assert f'value="{HUGE}"' in body
    assert answers["what_you_learned"] in page
    assert stored(db) == []


@pytest.mark.parametrize("box", ["completed_day", "completed_month", "completed_year"])
def test_a_huge_number_in_a_date_box_is_kept_by_save_as_draft(
    signed_in_client: FlaskClient, db: Session, box: str
) -> None:
    answers = structured_answers(**{box: HUGE, "action": "draft"})
    response = submit(signed_in_client, "/your-cpd/new/structured", answers)
    assert response.status_code == 302
    [record] = stored(db)
    assert record.answers[box] == HUGE
    assert record.completed_on is None
    edit = signed_in_client.get(f"/your-cpd/{record.id}/edit").get_data(as_text=True)
    assert f'value="{HUGE}"' in edit


@pytest.mark.parametrize("box", ["completed_day", "completed_month", "completed_year"])
def test_a_huge_number_in_a_date_box_is_kept_by_autosave(
    signed_in_client: FlaskClient, db: Session, box: str
) -> None:
    date = {"completed_day": "2", "completed_month": "3", "completed_year": "2026", box: HUGE}
    response = autosave(signed_in_client, title="Half done", editor="page-1", **date)
    assert response.status_code == 200
    [record] = stored(db)
    assert record.answers[box] == HUGE


# Bigger than the most a form field may hold by default (Flask reads 500 KB of each).
LONG = "Reflection without end. " * 30_000
# The CPD form is multipart (it can carry files), and htmx sends it the same way.
MULTIPART = "multipart/form-data"


def multipart_autosave(client: FlaskClient, **form: str) -> Any:
    token = csrf_token_from(client.get("/your-cpd/new/structured").get_data(as_text=True))
    return client.post(
        "/your-cpd/autosave",
        data={"form_type": "structured", "record_id": "", "version": "", **form},
        headers={**HX, "X-CSRFToken": token},
        content_type=MULTIPART,
    )


def test_a_box_far_over_its_limit_is_an_error_on_recording_with_the_text_kept(
    signed_in_client: FlaskClient, db: Session
) -> None:
    answers = structured_answers(what_you_learned=LONG)
    response = submit(signed_in_client, "/your-cpd/new/structured", answers, content_type=MULTIPART)
    assert response.status_code == 400
    page = text_of(response)
    assert "What did you learn? must be 3,000 characters or fewer — you have 720,000" in page
    assert LONG.strip() in response.get_data(as_text=True)
    assert stored(db) == []


def test_a_box_far_over_its_limit_is_kept_by_save_as_draft_and_autosave(
    signed_in_client: FlaskClient, db: Session
) -> None:
    answers = structured_answers(what_you_learned=LONG, action="draft")
    posted = submit(signed_in_client, "/your-cpd/new/structured", answers, content_type=MULTIPART)
    assert posted.status_code == 302
    [record] = stored(db)
    assert record.answers["what_you_learned"] == LONG
    response = multipart_autosave(
        signed_in_client,
        record_id=str(record.id),
        version=str(record.version),
        what_you_learned=LONG + "more",
    )
    assert response.status_code == 200
    [record] = stored(db)
    assert record.answers["what_you_learned"] == LONG + "more"


def _small_body_limit(app: Flask) -> int:
    """Make the most a CPD form may send small enough to go over in a test."""
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.extensions["policy"] = dataclasses.replace(
        app.extensions["policy"], max_documents_per_record=1, max_document_bytes=1024
    )
    return upload_request_limit(app.extensions["policy"], app.config["MAX_CONTENT_LENGTH"])


def test_a_post_too_big_to_read_names_every_answer_it_could_not_keep(
    app: Flask, signed_in_client: FlaskClient, db: Session
) -> None:
    limit = _small_body_limit(app)
    saved = structured_answers(action="draft")
    assert submit(signed_in_client, "/your-cpd/new/structured", saved).status_code == 302
    [record] = stored(db)
    page_path = f"/your-cpd/{record.id}/edit"
    token = csrf_token_from(signed_in_client.get(page_path).get_data(as_text=True))
    response = signed_in_client.post(
        page_path,
        data={
            "csrf_token": token,
            **structured_answers(title="Changed", version=str(record.version)),
            "documents": (io.BytesIO(b"x" * (limit + 1)), "scan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    page = text_of(response)
    assert "Nothing on the form was saved" in page
    for question in ("Title", "What did you learn?", "Supporting documents"):
        assert question in page
    # The draft saved before is as it was, and the page says so.
    assert stored(db)[0].answers["title"] == saved["title"]
    assert "Your last saved draft is unchanged" in page


def test_an_autosave_too_big_to_read_says_so_in_the_status_line(
    app: Flask, signed_in_client: FlaskClient, db: Session
) -> None:
    _small_body_limit(app)
    response = multipart_autosave(signed_in_client, title="x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "could not be saved: it is too large" in body
    assert response.headers["HX-Retarget"] == "#autosave-status"
    assert stored(db) == []
