"""Supporting documents and the anonymisation help through plain HTML forms (and the
htmx endpoints): uploads kept with nothing else lost, refusals that name the file and
the rule, downloads only for the owner, removal kept in the history."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.policy import Policy
from app.records.models import CpdDocument, CpdRecord, CpdRevision
from tests.conftest import csrf_token_from
from tests.support import sample_files
from tests.support.answers import structured_answers, unstructured_answers

pytestmark = pytest.mark.db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def stand_in_scanner(app: Flask) -> None:
    app.extensions["document_scanner"] = sample_files.eicar_scanner


def structured(**overrides: Any) -> dict[str, Any]:
    return structured_answers(
        **{
            "what_you_did": "A day course on the Care Act 2014 duties.",
            "what_you_learned": "How to make a section 42 enquiry proportionate.",
            **overrides,
        }
    )


def unstructured(**overrides: Any) -> dict[str, Any]:
    return unstructured_answers(
        **{
            "title": "Workplace development review",
            "description": "My review with my manager, attached, covers the year's learning.",
            **overrides,
        }
    )


def upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return (io.BytesIO(data), name)


def post(client: FlaskClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Post the form at ``path`` (or its form page) as a browser does: multipart."""
    page_path = kwargs.pop("page", path)
    token = csrf_token_from(client.get(page_path).get_data(as_text=True))
    return client.post(
        path,
        data={"csrf_token": token, **data},
        content_type="multipart/form-data",
        **kwargs,
    )


def records(db: Session) -> list[CpdRecord]:
    db.expire_all()
    return list(db.exec(select(CpdRecord).order_by(CpdRecord.id)))


def stored(db: Session) -> list[CpdDocument]:
    db.expire_all()
    return list(db.exec(select(CpdDocument).order_by(CpdDocument.id)))


def a_draft_with_a_document(
    client: FlaskClient, db: Session, content: bytes, name: str
) -> tuple[CpdRecord, CpdDocument]:
    """The structured form saved as a draft with one file: the record and its document."""
    post(
        client,
        "/your-cpd/new/structured",
        {**structured(action="draft"), "documents": upload(content, name)},
    )
    [record] = records(db)
    [document] = stored(db)
    return record, document


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_form_states_the_rules_before_a_file_is_chosen(
    signed_in_client: FlaskClient,
) -> None:
    page = signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and 'name="documents"' in page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Supporting documents (optional)" in text
    assert (
        "You can add up to 10 documents to a CPD record, each a PDF, Word, OpenDocument, "
        "text, JPG or PNG file no larger than 10 MB." in text
    )
    # Autosave never sends files; choosing a file is not an autosave trigger.
    assert 'data-hx-params="not documents"' in page
    assert (
        'data-hx-trigger="change target:{textarea, input[type=text], input[type=radio], '
        'input[type=checkbox]}"' in page
    )


def test_a_draft_with_a_pdf_and_a_word_file_keeps_both(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = post(
        signed_in_client,
        "/your-cpd/new/structured",
        {
            **structured(action="draft"),
            "documents": [
                upload(sample_files.pdf(), "certificate.pdf"),
                upload(sample_files.docx(), "review.docx"),
            ],
        },
    )
    [record] = records(db)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/your-cpd/{record.id}/edit#documents"
    assert record.status == "draft"
    pdf, word = stored(db)
    assert (pdf.filename, pdf.kind, pdf.scan_status) == ("certificate.pdf", "pdf", "clean")
    assert (word.filename, word.kind) == ("review.docx", "docx")
    assert record.answers["documents"] == [
        {"id": pdf.id, "explanation": ""},
        {"id": word.id, "explanation": ""},
    ]
    assert record.answers["title"] == "Safeguarding adults refresher"
    page = signed_in_client.get(response.headers["Location"])
    assert "certificate.pdf, review.docx are added." in text_of(page)
    assert "PDF, " in text_of(page) and "Word document, " in text_of(page)
    assert f'name="document_ids" value="{pdf.id}"' in page.get_data(as_text=True)


def test_recording_structured_cpd_with_a_document_records_it(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = post(
        signed_in_client,
        "/your-cpd/new/structured",
        {**structured(), "documents": upload(sample_files.odt(), "log.odt")},
    )
    [record] = records(db)
    assert response.status_code == 302, text_of(response)
    assert response.headers["Location"] == f"/your-cpd/{record.id}/recorded"
    assert record.status == "recorded"
    [document] = stored(db)
    assert document.kind == "odt"
    assert record.answers["documents"] == [{"id": document.id, "explanation": ""}]
    view = text_of(signed_in_client.get(f"/your-cpd/{record.id}"))
    assert "log.odt" in view


def test_the_unstructured_form_asks_how_each_document_shows_the_standard(
    signed_in_client: FlaskClient, db: Session, policy: Policy
) -> None:
    response = post(
        signed_in_client,
        "/your-cpd/new/unstructured",
        {**unstructured(), "documents": upload(sample_files.pdf(), "review.pdf")},
    )
    # Not recordable yet, but nothing is lost: a draft holds the answers and the file.
    assert response.status_code == 400
    assert "Enter how review.pdf shows the CPD standard" in text_of(response)
    [record] = records(db)
    [document] = stored(db)
    assert record.status == "draft"
    assert record.answers["documents"] == [{"id": document.id, "explanation": ""}]
    assert "Workplace development review" in response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert f'href="#document_explanation_{document.id}"' in html
    assert f'action="/your-cpd/{record.id}/edit"' in html

    limit = policy.limit("document_explanation")
    too_long = post(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        {
            **unstructured(),
            "version": str(record.version),
            "document_ids": str(document.id),
            f"document_explanation_{document.id}": "x" * (limit + 1),
        },
    )
    assert too_long.status_code == 400
    assert (
        f"How review.pdf shows the CPD standard must be {limit:,} characters or fewer"
        in text_of(too_long)
    )

    recorded = post(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        {
            **unstructured(),
            "version": str(records(db)[0].version),
            "document_ids": str(document.id),
            f"document_explanation_{document.id}": "It sets out my learning goals (4.2).",
        },
    )
    assert recorded.status_code == 302, text_of(recorded)
    [record] = records(db)
    assert record.status == "recorded"
    assert record.answers["documents"] == [
        {"id": document.id, "explanation": "It sets out my learning goals (4.2)."}
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "report.exe",
            sample_files.EXECUTABLE,
            "report.exe is not a PDF, Word, OpenDocument, text, JPG or PNG file",
        ),
        (
            "report.pdf",
            sample_files.EXECUTABLE,
            "report.pdf is not a PDF, Word, OpenDocument, text, JPG or PNG file",
        ),
        (
            "scan.pdf",
            b"%PDF-1.4\n" + bytes(10 * MB),
            "scan.pdf is larger than 10 MB",
        ),
        ("empty.txt", b"", "empty.txt is empty"),
        ("eicar.txt", sample_files.EICAR, "eicar.txt contains a virus"),
        (
            "notes.txt",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "notes.txt is a web page or an SVG image, which cannot be added: "
            "save it as a PDF or a plain text file",
        ),
        (
            "diagram.txt",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "diagram.txt is a web page or an SVG image, which cannot be added: "
            "save it as a PDF or a plain text file",
        ),
        (
            "archive.docx",
            sample_files.zip_of({"notes.txt": b"just a zip"}),
            "archive.docx is not a PDF, Word, OpenDocument, text, JPG or PNG file",
        ),
    ],
)
def test_a_refused_file_is_named_with_its_rule_and_nothing_else_is_lost(
    signed_in_client: FlaskClient, db: Session, name: str, data: bytes, message: str
) -> None:
    response = post(
        signed_in_client,
        "/your-cpd/new/structured",
        {**structured(), "documents": upload(data, name)},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    text = text_of(response)
    assert message in text
    assert '<a href="#documents">' in html  # the error summary links to the file input
    assert "Error: " in html.split("</title>")[0]
    assert stored(db) == []
    # Everything else is kept: saved as a draft and back on the form.
    [record] = records(db)
    assert record.status == "draft"
    assert record.answers["what_you_learned"] == "How to make a section 42 enquiry proportionate."
    assert "How to make a section 42 enquiry proportionate." in html
    assert 'value="4.3" checked' in html


def test_too_many_documents_says_the_limit(
    signed_in_client: FlaskClient, db: Session, policy: Policy
) -> None:
    files = [upload(sample_files.pdf(f"Page {n}"), f"page-{n}.pdf") for n in range(11)]
    response = post(
        signed_in_client,
        "/your-cpd/new/structured",
        {**structured(action="draft"), "documents": files},
    )
    assert response.status_code == 400
    assert "page-10.pdf was not added: a CPD record can have up to 10 documents" in text_of(
        response
    )
    assert len(stored(db)) == policy.max_documents_per_record
    [record] = records(db)
    assert len(record.answers["documents"]) == 10
    # At the limit the hint says so.
    assert "This CPD has 10 documents, the most it can have." in text_of(response)


def test_a_zip_bomb_is_refused_from_its_directory(
    app: Flask, signed_in_client: FlaskClient, db: Session
) -> None:
    many = sample_files.zip_of({f"word/part{n}.xml": b"<x/>" for n in range(2001)})
    response = post(
        signed_in_client,
        "/your-cpd/new/structured",
        {**structured(action="draft"), "documents": upload(many, "many.docx")},
    )
    assert response.status_code == 400
    assert "many.docx contains more than 2,000 files" in text_of(response)


def test_the_owner_downloads_a_document_and_nobody_else_can(
    app: Flask, signed_in_client: FlaskClient, other_client: FlaskClient, db: Session
) -> None:
    content = sample_files.pdf("Supervision notes")
    record, document = a_draft_with_a_document(signed_in_client, db, content, "Notes – café.pdf")
    path = f"/your-cpd/{record.id}/documents/{document.id}"
    response = signed_in_client.get(path)
    assert response.status_code == 200
    assert response.data == content
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Notes cafe.pdf"; '
        "filename*=UTF-8''Notes%20%E2%80%93%20caf%C3%A9.pdf"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    # The edit page links to it.
    assert f'href="{path}"' in signed_in_client.get(f"/your-cpd/{record.id}/edit").get_data(
        as_text=True
    )

    # Another person: not found, whichever way they ask.
    assert other_client.get(path).status_code == 404
    assert other_client.get(f"/your-cpd/{record.id}/documents/{document.id + 1}").status_code == 404
    # And signed out: to sign in.
    assert app.test_client().get(path).status_code == 302


def test_removing_a_document_keeps_the_rest_and_the_history_shows_it(
    signed_in_client: FlaskClient, db: Session
) -> None:
    post(
        signed_in_client,
        "/your-cpd/new/structured",
        {
            **structured(action="draft"),
            "documents": [
                upload(sample_files.pdf(), "keep.pdf"),
                upload(sample_files.docx(), "remove-me.docx"),
            ],
        },
    )
    [record] = records(db)
    keep, remove = stored(db)
    response = post(
        signed_in_client,
        f"/your-cpd/{record.id}/documents/{remove.id}/remove",
        {
            **structured(what_you_learned="Typed just before pressing Remove."),
            "action": "draft",
            "version": str(record.version),
            "document_ids": [str(keep.id), str(remove.id)],
            f"document_explanation_{keep.id}": "Shows the course I did.",
        },
        page=f"/your-cpd/{record.id}/edit",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/your-cpd/{record.id}/edit#documents"
    [record] = records(db)
    assert record.answers["documents"] == [
        {"id": keep.id, "explanation": "Shows the course I did."}
    ]
    assert record.answers["what_you_learned"] == "Typed just before pressing Remove."
    assert stored(db)[1].removed_at is not None
    edit = signed_in_client.get(f"/your-cpd/{record.id}/edit")
    assert "remove-me.docx is removed." in text_of(edit)
    assert f'name="document_ids" value="{remove.id}"' not in edit.get_data(as_text=True)
    # Every version says which documents it had; the removed one can still be opened.
    history = signed_in_client.get(f"/your-cpd/{record.id}/history")
    html = history.get_data(as_text=True)
    assert html.count("remove-me.docx") >= 1
    versions = db.exec(select(CpdRevision).where(CpdRevision.record_id == record.id)).all()
    assert any(remove.id in [d["id"] for d in v.answers.get("documents", [])] for v in versions)
    assert signed_in_client.get(f"/your-cpd/{record.id}/documents/{remove.id}").status_code == 200


def test_removing_from_a_stale_page_is_a_conflict(
    signed_in_client: FlaskClient, db: Session
) -> None:
    record, document = a_draft_with_a_document(signed_in_client, db, sample_files.pdf(), "a.pdf")
    response = post(
        signed_in_client,
        f"/your-cpd/{record.id}/documents/{document.id}/remove",
        {
            **structured(),
            # A page opened before the stored version was saved.
            "version": str(record.version - 1),
            "editor": "another-tab",
            "document_ids": str(document.id),
        },
        page=f"/your-cpd/{record.id}/edit",
    )
    assert response.status_code == 409
    assert "This CPD changed since you opened it" in text_of(response)
    [record] = records(db)
    assert [d["id"] for d in record.answers["documents"]] == [document.id]
    assert stored(db)[0].removed_at is None


def test_recording_cpd_that_may_identify_someone_asks_for_a_confirmation(
    signed_in_client: FlaskClient, db: Session
) -> None:
    answers = structured(what_you_did="I visited Mrs Patterson at home with her son.")
    response = post(signed_in_client, "/your-cpd/new/structured", answers)
    assert response.status_code == 400
    text = text_of(response)
    assert (
        "Confirm you have checked that this CPD contains nothing that could identify a person"
        in text
    )
    assert "may identify a person: it looks like it has a name after a title (Mrs P" in text
    assert text.count("Patterson") == 1  # in the box as typed, never in the warning
    assert records(db) == []
    assert "I visited Mrs Patterson at home with her son." in response.get_data(as_text=True)

    confirmed = post(
        signed_in_client,
        "/your-cpd/new/structured",
        {**answers, "anonymised_confirmed": "yes"},
    )
    assert confirmed.status_code == 302
    [record] = records(db)
    assert record.status == "recorded"


def test_a_draft_is_never_blocked_and_comes_back_with_the_warning(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = post(
        signed_in_client,
        "/your-cpd/new/structured",
        structured(action="draft", title="Call with j.bloggs@example.com"),
    )
    [record] = records(db)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/your-cpd/{record.id}/edit"
    page = text_of(signed_in_client.get(response.headers["Location"]))
    assert "is saved as a draft. Some of it may identify a person" in page
    assert "Title may identify a person: it looks like it has an email address" in page
    assert "an email address (j•••@e•••.com)" in page  # masked, never repeated in full
    assert "I have checked: this CPD contains nothing that could identify a person" in page


def test_a_document_that_may_identify_someone_is_named_in_the_warning(
    signed_in_client: FlaskClient, db: Session
) -> None:
    post(
        signed_in_client,
        "/your-cpd/new/structured",
        {
            **structured(action="draft"),
            "documents": upload(
                sample_files.docx("Review for Mr Okafor\nNHS number 943 476 5919"), "review.docx"
            ),
        },
    )
    [record] = records(db)
    [document] = stored(db)
    assert {item["kind"] for item in document.findings} == {"name_after_title", "nhs_number"}
    page = text_of(signed_in_client.get(f"/your-cpd/{record.id}/edit"))
    assert "review.docx may identify a person" in page
    assert "Okafor" not in page and "943 476 5919" not in page
    # Recording it needs the confirmation.
    response = post(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        {**structured(), "version": str(record.version), "document_ids": str(document.id)},
    )
    assert response.status_code == 400
    assert "Confirm you have checked" in text_of(response)


def test_the_check_endpoint_warns_about_one_box(client: FlaskClient) -> None:
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/your-cpd/check/what_you_learned",
        data={"what_you_learned": "Spoke to Dr Jones about SW1A 1AA"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "What did you learn? may identify a person" in text
    assert "a name after a title" in text and "a postcode" in text
    assert "Jones" not in text and "SW1A 1AA" not in text
    quiet = client.post(
        "/your-cpd/check/what_you_learned",
        data={"what_you_learned": "The Care Act 2014, section 42, and standard 4.3."},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert text_of(quiet).strip() == ""
    assert (
        client.post(
            "/your-cpd/check/password",
            data={},
            headers={"HX-Request": "true", "X-CSRFToken": token},
        ).status_code
        == 404
    )


def _htmx(client: FlaskClient, path: str, data: dict[str, Any], page: str) -> Any:
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(
        path,
        data=data,
        content_type="multipart/form-data",
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )


def test_upload_on_selection_makes_a_draft_and_lists_the_document(
    signed_in_client: FlaskClient, db: Session
) -> None:
    data = {
        **structured(),
        "form_type": "structured",
        "editor": "page-1",
        "record_id": "",
        "version": "",
        "documents": upload(sample_files.pdf(), "certificate.pdf"),
    }
    del data["action"]
    response = _htmx(signed_in_client, "/your-cpd/documents", data, "/your-cpd/new/structured")
    assert response.status_code == 200
    [record] = records(db)
    [document] = stored(db)
    assert record.status == "draft"
    assert record.answers["documents"] == [{"id": document.id, "explanation": ""}]
    assert response.headers["HX-Replace-Url"] == f"/your-cpd/{record.id}/edit"
    body = response.get_data(as_text=True)
    assert 'id="documents-section"' in body
    assert "certificate.pdf is added." in body
    assert f'name="record_id" value="{record.id}"' in body  # the form's state, out of band

    # A second file, then the page's autosave (it never sends files) keeps both.
    second = _htmx(
        signed_in_client,
        "/your-cpd/documents",
        {
            **data,
            "record_id": str(record.id),
            "version": str(record.version),
            "document_ids": str(document.id),
            "documents": upload(sample_files.EXECUTABLE, "setup.exe"),
        },
        f"/your-cpd/{record.id}/edit",
    )
    assert "setup.exe is not a PDF, Word, OpenDocument, text, JPG or PNG file" in text_of(second)
    assert len(stored(db)) == 1

    # Removing with JavaScript answers with the section, without the document.
    [record] = records(db)
    removed = _htmx(
        signed_in_client,
        f"/your-cpd/{record.id}/documents/{document.id}/remove",
        {
            **data,
            "record_id": str(record.id),
            "version": str(record.version),
            "document_ids": str(document.id),
            "documents": (io.BytesIO(b""), ""),
        },
        f"/your-cpd/{record.id}/edit",
    )
    assert removed.status_code == 200
    assert "certificate.pdf is removed." in text_of(removed)
    assert f'name="document_ids" value="{document.id}"' not in removed.get_data(as_text=True)
    assert records(db)[0].answers["documents"] == []


def test_an_autosave_keeps_the_documents_the_page_lists(
    signed_in_client: FlaskClient, db: Session
) -> None:
    post(
        signed_in_client,
        "/your-cpd/new/unstructured",
        {**unstructured(action="draft"), "documents": upload(b"Plain notes.\n", "notes.txt")},
    )
    [record] = records(db)
    [document] = stored(db)
    assert document.kind == "text"
    response = _htmx(
        signed_in_client,
        "/your-cpd/autosave",
        {
            **unstructured(),
            "form_type": "unstructured",
            "record_id": str(record.id),
            "version": str(record.version),
            "document_ids": str(document.id),
            f"document_explanation_{document.id}": "My notes from the review.",
        },
        f"/your-cpd/{record.id}/edit",
    )
    assert response.status_code == 200
    [record] = records(db)
    assert record.answers["documents"] == [
        {"id": document.id, "explanation": "My notes from the review."}
    ]


def test_another_persons_document_id_in_a_form_is_ignored(
    app: Flask, signed_in_client: FlaskClient, db: Session
) -> None:
    post(
        signed_in_client,
        "/your-cpd/new/structured",
        {**structured(action="draft"), "documents": upload(sample_files.pdf(), "mine.pdf")},
    )
    post(signed_in_client, "/your-cpd/new/structured", structured(action="draft", title="Two"))
    first, second = records(db)
    [document] = stored(db)
    post(
        signed_in_client,
        f"/your-cpd/{second.id}/edit",
        {
            **structured(action="draft", title="Two"),
            "version": str(second.version),
            "document_ids": str(document.id),
        },
    )
    assert records(db)[1].answers["documents"] == []


def test_purging_a_long_deleted_record_removes_its_documents(
    signed_in_client: FlaskClient, db: Session, policy: Policy
) -> None:
    import datetime as dt

    from app.cpd import services
    from app.records.models import CpdDocumentContent

    post(
        signed_in_client,
        "/your-cpd/new/structured",
        {**structured(action="draft"), "documents": upload(sample_files.pdf(), "old.pdf")},
    )
    [record] = records(db)
    record.deleted_at = dt.datetime.now(dt.UTC) - dt.timedelta(
        days=policy.recently_deleted_days + 1
    )
    db.add(record)
    db.commit()
    assert services.purge_expired_deletions(db, policy=policy) == 1
    assert records(db) == [] and stored(db) == []
    assert db.exec(select(CpdDocumentContent)).all() == []


def test_keep_both_after_a_conflict_keeps_the_documents_with_the_second_version(
    signed_in_client: FlaskClient, db: Session
) -> None:
    content = sample_files.pdf("Supervision notes")
    record, document = a_draft_with_a_document(signed_in_client, db, content, "notes.pdf")
    edit = f"/your-cpd/{record.id}/edit"
    opened_at = str(record.version)  # both tabs opened this version
    mine = {
        **structured(action="draft", title="Typed in tab two"),
        "document_ids": str(document.id),
        f"document_explanation_{document.id}": "It shows 4.2: supervision.",
    }
    post(
        signed_in_client,
        edit,
        {
            **structured(action="draft", title="Saved in tab one"),
            "version": opened_at,
            "document_ids": str(document.id),
        },
    )
    conflict = post(signed_in_client, edit, {**mine, "version": opened_at})
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    keep_both = re.search(
        r'<form method="post" action="/your-cpd/new/structured">(.*?)</form>', html, re.S
    )
    assert keep_both
    data: dict[str, Any] = {}
    for name, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)">', keep_both.group(1)
    ):
        data.setdefault(name, []).append(value)
    assert signed_in_client.post("/your-cpd/new/structured", data=data).status_code == 302

    original, second = records(db)
    assert original.answers["title"] == "Saved in tab one"
    assert [d["id"] for d in original.answers["documents"]] == [document.id]
    assert second.answers["title"] == "Typed in tab two"
    [copied] = second.answers["documents"]
    assert copied["id"] != document.id
    assert copied["explanation"] == "It shows 4.2: supervision."
    download = signed_in_client.get(f"/your-cpd/{second.id}/documents/{copied['id']}")
    assert download.status_code == 200 and download.data == content
    # Both records own their own copy: removing one never touches the other.
    assert {d.record_id for d in stored(db)} == {original.id, second.id}


NOT_CHECKED = (
    "could not be checked for anything that could identify a person: {reason}. "
    "Check it yourself before you record this CPD."
)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("damaged.pdf", b"%PDF-1.4\nnothing a PDF reader can use", "its text could not be read"),
        ("photo.png", sample_files.PNG, "the text in pictures is not read"),
    ],
)
def test_a_document_that_could_not_be_checked_says_so_and_recording_asks_for_the_check(
    signed_in_client: FlaskClient, db: Session, name: str, data: bytes, reason: str
) -> None:
    record, document = a_draft_with_a_document(signed_in_client, db, data, name)
    assert document.text_status != "read"
    assert document.findings == []
    page = signed_in_client.get(f"/your-cpd/{record.id}/edit")
    assert f"{name} {NOT_CHECKED.format(reason=reason)}" in text_of(page)
    # Never reported as clean: recording asks the person to confirm they checked it.
    response = post(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        {**structured(), "document_ids": str(document.id), "version": str(record.version)},
    )
    assert response.status_code == 400
    assert "Confirm you have checked that this CPD contains nothing" in text_of(response)


def test_a_pdf_built_to_hang_a_reader_is_answered_at_once_and_not_called_clean(
    signed_in_client: FlaskClient, db: Session
) -> None:
    hostile = sample_files.pdf_with_content(b"BT [" + b"(a)" * 32 + b"] Tx ET")
    started = time.perf_counter()
    record, document = a_draft_with_a_document(signed_in_client, db, hostile, "hostile.pdf")
    # It held a worker for 62 s. Two requests (the form page and the post), on a machine
    # that may be busy: the reader's own work is measured in tests/unit/test_document_text.
    assert time.perf_counter() - started < 5
    assert document.text_status in ("read", "unreadable")


def test_a_download_streamed_in_chunks_is_the_same_bytes(
    signed_in_client: FlaskClient, db: Session
) -> None:
    # Longer than several of the 256 KB chunks it is read from the database in, and not
    # a whole number of them.
    data = sample_files.pdf() + b"%" + bytes(range(256)) * 3000
    record, document = a_draft_with_a_document(signed_in_client, db, data, "long.pdf")
    response = signed_in_client.get(f"/your-cpd/{record.id}/documents/{document.id}")
    assert response.is_streamed
    assert response.headers["Content-Length"] == str(len(data))
    assert response.get_data() == data


def test_an_explanation_saved_over_its_limit_says_so_as_the_page_loads(
    signed_in_client: FlaskClient, db: Session, policy: Policy
) -> None:
    """As every other limited box does (a draft keeps anything): the explanation's count
    showed only the limit, not how far over it the saved text was."""
    record, document = a_draft_with_a_document(
        signed_in_client, db, sample_files.pdf(), "review.pdf"
    )
    limit = policy.limit("document_explanation")
    post(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        {
            **structured(action="draft"),
            "version": str(record.version),
            "document_ids": str(document.id),
            f"document_explanation_{document.id}": "x" * (limit + 5),
        },
    )
    page = text_of(signed_in_client.get(f"/your-cpd/{record.id}/edit"))
    assert "You have 5 characters too many" in page
