"""The history of a record: every explicit save and every recorded version is kept,
but the autosaves of one page are one revision, kept up to date until that page is
saved or left; the history page is in pages."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from app.records.models import CpdRecord, CpdRevision
from tests.conftest import csrf_token_from
from tests.integration.test_autosave_endpoints import autosave, stored
from tests.integration.test_cpd_records import text_of, unstructured_answers

pytestmark = pytest.mark.db


def revisions(db: Session, record: CpdRecord) -> list[CpdRevision]:
    db.expire_all()
    return list(
        db.exec(
            select(CpdRevision)
            .where(CpdRevision.record_id == record.id)
            .order_by(col(CpdRevision.id))
        )
    )


def autosave_to(client: FlaskClient, record: CpdRecord, editor: str, **answers: str):
    return autosave(
        client, record_id=str(record.id), version=str(record.version), editor=editor, **answers
    )


def save_page(client: FlaskClient, record: CpdRecord, editor: str, **answers: str):
    page = client.get(f"/your-cpd/{record.id}/edit").get_data(as_text=True)
    return client.post(
        f"/your-cpd/{record.id}/edit",
        data={
            "csrf_token": csrf_token_from(page),
            "editor": editor,
            "version": str(record.version),
            **unstructured_answers(**answers),
        },
    )


def test_the_autosaves_of_one_page_are_one_revision_kept_up_to_date(
    signed_in_client: FlaskClient, db: Session
) -> None:
    autosave(signed_in_client, title="T", editor="page-1")
    [record] = stored(db)
    for n in range(1, 6):
        assert autosave_to(signed_in_client, record, "page-1", title=f"T{n}").status_code == 200
        [record] = stored(db)
    [revision] = revisions(db, record)
    assert revision.answers["title"] == "T5"
    assert revision.version == record.version


def test_an_explicit_save_and_another_page_each_start_a_new_revision(
    signed_in_client: FlaskClient, db: Session
) -> None:
    autosave(signed_in_client, title="Typing", editor="page-1")
    [record] = stored(db)
    autosave_to(signed_in_client, record, "page-1", title="Typing more")
    [record] = stored(db)
    assert save_page(signed_in_client, record, "page-1", action="draft").status_code == 302
    [record] = stored(db)
    # The page was saved: its next autosave does not change the saved revision.
    autosave_to(signed_in_client, record, "page-1", title="After saving")
    [record] = stored(db)
    autosave_to(signed_in_client, record, "page-1", title="After saving, more")
    [record] = stored(db)
    # Left and opened again: a new page, a new revision.
    autosave_to(signed_in_client, record, "page-2", title="Next visit")
    [record] = stored(db)
    autosave_to(signed_in_client, record, "page-2", title="Next visit, more")
    [record] = stored(db)
    assert save_page(signed_in_client, record, "page-2", action="record").status_code == 302
    kept = [(r.kind, r.answers["title"]) for r in revisions(db, record)]
    assert kept == [
        ("Draft autosaved", "Typing more"),
        ("Draft saved", "Reading on trauma-informed practice"),
        ("Draft autosaved", "After saving, more"),
        ("Draft autosaved", "Next visit, more"),
        ("Recorded", "Reading on trauma-informed practice"),
    ]


def test_the_history_page_is_in_pages_of_ten(signed_in_client: FlaskClient, db: Session) -> None:
    autosave(signed_in_client, title="Saved many times", editor="page-0")
    [record] = stored(db)
    for n in range(1, 25):
        assert save_page(signed_in_client, record, f"page-{n}", action="draft").status_code == 302
        [record] = stored(db)
    assert len(revisions(db, record)) == 25
    first = signed_in_client.get(f"/your-cpd/{record.id}/history")
    page = text_of(first)
    assert "Version 25:" in page and "Version 16:" in page and "Version 15:" not in page
    html = first.get_data(as_text=True)
    assert 'class="govuk-pagination' in html
    assert f'href="/your-cpd/{record.id}/history?page=2"' in html
    last = text_of(signed_in_client.get(f"/your-cpd/{record.id}/history?page=3"))
    assert "Version 5:" in last and "Version 1:" in last and "Version 6:" not in last
    assert "Page 3 of 3" in last or "(page 3 of 3)" in last
    assert signed_in_client.get(f"/your-cpd/{record.id}/history?page=4").status_code == 404
