"""The recorded save bench/peak.py posts, sent to the app: it must be recorded, and when
a form is re-shown with a problem the benchmark must be able to say what the problem was.

Three of its recorded saves were once answered 400 and never acknowledged. Their titles
ended in a random hex suffix, which the anonymisation check now and then takes for a
postcode ("ff33be" reads as FF3 3BE); recording then rightly asks the person to confirm
the CPD is anonymised, which the benchmark never did."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.anonymisation import find_identifiers
from app.records.models import CpdRecord
from bench.peak import Person, autosave_fields, problem_text, recorded_save_form
from tests.conftest import csrf_token_from
from tests.support.http_client import Client

pytestmark = pytest.mark.db

PATH = "/your-cpd/new/structured"


def _token(client: FlaskClient) -> str:
    return csrf_token_from(client.get(PATH).get_data(as_text=True))


def test_the_benchmarks_recorded_save_is_recorded(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = signed_in_client.post(PATH, data=recorded_save_form(_token(signed_in_client), 7))
    assert response.status_code == 302, problem_text(response.get_data(as_text=True))
    [record] = db.exec(select(CpdRecord)).all()
    assert response.headers["Location"] == f"/your-cpd/{record.id}/recorded"
    assert (record.status, record.answers["title"]) == ("recorded", "Peak recorded 7")


def test_no_title_of_a_long_run_looks_like_an_identifier() -> None:
    # 3 recorded saves a second for an hour: more than any run of the benchmark sends.
    looks_identifying = [
        number
        for number in range(3 * 3600)
        if find_identifiers(str(recorded_save_form("", number)["title"]))
    ]
    assert looks_identifying == []


def test_a_re_shown_form_explains_itself(signed_in_client: FlaskClient) -> None:
    # The old benchmark's title: its suffix looks like a postcode.
    form = {**recorded_save_form(_token(signed_in_client), 29), "title": "Peak recorded 29 ff33be"}
    response = signed_in_client.post(PATH, data=form)
    assert response.status_code == 400
    assert problem_text(response.get_data(as_text=True)) == (
        "Confirm you have checked that this CPD contains nothing that could identify a "
        "person; Title may identify a person: it looks like it has a postcode (ff3•••). "
        "Remove it or make it anonymous."
    )


def test_a_refused_page_without_an_error_summary_gives_its_heading() -> None:
    page = '<main><h1 class="govuk-heading-l">This page was open for too long</h1></main>'
    assert problem_text(page) == "This page was open for too long"


def test_a_resent_first_autosave_still_points_the_address_bar_at_its_draft(
    signed_in_client: FlaskClient, db: Session
) -> None:
    """The first autosave's answer lost (the benchmark's client timed out) though the
    server saved it: the resend finds that draft by the page's editor token. The page
    still does not know its draft, so the answer points the address bar at it as the
    first would have (before, only an answer that created the draft did, and a reload
    then showed an empty form). The benchmark, like the page, takes the draft's number
    from the autosave-state block of the answer."""
    person = Person(client=Client(0), email="peak@example.com")
    headers = {"HX-Request": "true", "X-CSRFToken": _token(signed_in_client)}
    first = signed_in_client.post(
        "/your-cpd/autosave", data=autosave_fields(person, 1), headers=headers
    )
    resent = signed_in_client.post(
        "/your-cpd/autosave", data=autosave_fields(person, 1), headers=headers
    )
    [record] = db.exec(select(CpdRecord)).all()
    assert (first.status_code, resent.status_code) == (200, 200)
    assert first.headers["HX-Replace-Url"] == f"/your-cpd/{record.id}/edit"
    assert resent.headers["HX-Replace-Url"] == f"/your-cpd/{record.id}/edit"
    assert f'name="record_id" value="{record.id}"' in resent.get_data(as_text=True)
