"""Answers no form expects (a date box holding a twenty-digit number, a box far over its
limit, a post larger than the server reads) still come back on the form, every one of
them, with a clear error: none is a server error and none loses what else was typed."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.conftest import submit
from tests.integration.test_autosave_endpoints import autosave, stored
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
