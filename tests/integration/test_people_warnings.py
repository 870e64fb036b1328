"""Issue 20: the anonymisation help names the people and places it finds, in the live
check and on "Save and record", and remembers for the record a name its writer says is
not a real person. Without JavaScript everything here works with plain form posts."""

from __future__ import annotations

import html as html_module
import re

from flask.testing import FlaskClient
from sqlmodel import Session

from tests.conftest import csrf_token_from
from tests.integration.test_documents import (  # noqa: F401 - the scanner fixture
    post,
    records,
    stand_in_scanner,
    stored,
    structured,
    text_of,
    upload,
)
from tests.support import sample_files

WHAT_YOU_DID = "What did you do, and why is it relevant to your practice?"
STORY = "I sat with Amira while she read the letter from the court."


def _check(client: FlaskClient, data: dict[str, str | list[str]]) -> str:
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/your-cpd/check/what_you_did",
        data=data,
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_live_check_says_what_was_found_where_and_why(client: FlaskClient) -> None:
    html = _check(client, {"what_you_did": STORY})
    text = text_of_html(html)
    assert f"{WHAT_YOU_DID} may identify a person: ‘Amira’ may be a person's name." in text
    assert "‘Amira’ is not a real person" in text  # a box to say so


def test_the_live_check_stays_silent_on_a_cited_theorist(client: FlaskClient) -> None:
    html = _check(client, {"what_you_did": "Kolb's learning cycle and Ferguson (2011)."})
    assert "may identify a person" not in html


def test_a_name_said_not_to_be_a_person_is_not_flagged_again(client: FlaskClient) -> None:
    html = _check(client, {"what_you_did": STORY, "not_people": "Amira"})
    text = text_of_html(html)
    assert "may identify a person" not in text
    # ... and stays on the form, ticked, so the next save keeps it.
    assert 'id="not-people" data-hx-swap-oob="true"' in html
    assert 'value="Amira" checked' in html


def test_save_and_record_names_the_person_and_remembers_the_confirmation(
    signed_in_client: FlaskClient, db: Session
) -> None:
    answers = structured(what_you_did=STORY)
    response = post(signed_in_client, "/your-cpd/new/structured", answers)
    assert response.status_code == 400
    text = text_of_html(response.get_data(as_text=True))
    assert f"{WHAT_YOU_DID} may identify a person: ‘Amira’ may be a person's name." in text
    assert records(db) == []

    # The writer says Amira is not a real person: recorded without the confirmation,
    # since nothing else was found, and the record remembers it.
    saved = post(signed_in_client, "/your-cpd/new/structured", {**answers, "not_people": "Amira"})
    assert saved.status_code == 302
    [record] = records(db)
    assert record.status == "recorded"
    assert record.answers["not_people"] == ["Amira"]
    page = signed_in_client.get(f"/your-cpd/{record.id}/edit").get_data(as_text=True)
    assert "may identify a person" not in page
    assert "‘Amira’ is not a real person" in text_of_html(page)  # ticked, can be unticked


def test_a_name_in_an_uploaded_document_is_named_and_can_be_confirmed(
    signed_in_client: FlaskClient, db: Session
) -> None:
    post(
        signed_in_client,
        "/your-cpd/new/structured",
        {
            **structured(action="draft"),
            "documents": upload(sample_files.docx("Notes: I met Kwame at home."), "notes.docx"),
        },
    )
    [record] = records(db)
    [document] = stored(db)
    assert [item["kind"] for item in document.findings] == ["person_name"]
    page = text_of_html(signed_in_client.get(f"/your-cpd/{record.id}/edit").get_data(as_text=True))
    assert "notes.docx may identify a person: ‘Kwame’ may be a person's name." in page
    saved = post(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        {
            **structured(),
            "version": str(record.version),
            "document_ids": str(document.id),
            "not_people": "Kwame",
        },
    )
    assert saved.status_code == 302
    [record] = records(db)
    assert record.status == "recorded"


def text_of_html(html: str) -> str:
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
