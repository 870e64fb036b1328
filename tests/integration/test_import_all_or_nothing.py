"""Importing "Download all your CPD" is all or nothing, and bounded (issues 18 and 19):
a fault at any write point, or a worker killed half-way, leaves nothing of the file;
a file listing a million records, or a thousand unreadable ones, is refused quickly
with a short page; the records and bytes an import adds count against the account's
limits."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from app import uploads
from app.keep import importing
from app.policy import Policy
from app.records.models import CpdDocument, CpdRecord, CpdRevision
from app.uploads import quota
from tests.integration.test_keep import (
    _export_json,
    _zip,
    download_bytes,
    import_file,
    make_account_with_cpd,
)
from tests.support import sample_files
from tests.support.database import server_url, throwaway_database
from tests.support.http_client import Client, create_accounts
from tests.support.servers import start_live_server, stop_live_server

pytestmark = pytest.mark.db


class InjectedFault(RuntimeError):
    pass


def _counts(db: Session) -> tuple[int, int, int]:
    db.expire_all()
    return (
        len(db.exec(select(CpdRecord)).all()),
        len(db.exec(select(CpdDocument)).all()),
        len(db.exec(select(CpdRevision)).all()),
    )


def _raise_on_call(number: int, original: Any) -> Any:
    """A stand-in that calls through, and raises after its ``number``th call."""
    calls = [0]

    def faulty(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] >= number:
            raise InjectedFault(original.__name__)
        return result

    return faulty


IMPORT_WRITE_POINTS = [
    # (where, name, after which call): the second record fails after the first is written
    (importing, "_write_record", 2),
    (uploads, "store", 1),
    (uploads, "store", 2),
    (quota, "charge", 1),
    (Session, "flush", 3),
]


@pytest.mark.parametrize(("where", "name", "call"), IMPORT_WRITE_POINTS)
def test_a_fault_at_any_write_point_of_an_import_leaves_nothing(
    app: Flask,
    signed_in_client: FlaskClient,
    other_client: FlaskClient,
    db: Session,
    user,
    policy: Policy,
    monkeypatch: pytest.MonkeyPatch,
    where: Any,
    name: str,
    call: int,
) -> None:
    make_account_with_cpd(db, user, policy)
    data = download_bytes(signed_in_client)
    before = _counts(db)
    app.testing = False  # the fault reaches the error page, as in production
    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(where, name, _raise_on_call(call, getattr(where, name)))
    response = import_file(other_client, data)
    assert response.status_code == 500
    monkeypatch.undo()
    assert _counts(db) == before, f"half an import was left by a fault in {name}"


def test_an_import_that_does_not_fit_the_storage_quota_adds_nothing(
    app: Flask,
    signed_in_client: FlaskClient,
    other_client: FlaskClient,
    db: Session,
    user,
    policy: Policy,
) -> None:
    make_account_with_cpd(db, user, policy)
    data = download_bytes(signed_in_client)
    before = _counts(db)
    used = quota.used_bytes(db, owner_id=user.id)
    # Room for half of what the file holds.
    app.extensions["policy"] = dataclasses.replace(policy, storage_quota_bytes=used // 2)
    response = import_file(other_client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert "does not fit in your account" in page
    assert _counts(db) == before


def test_an_import_cannot_take_an_account_past_its_record_limit(
    app: Flask,
    signed_in_client: FlaskClient,
    db: Session,
    user,
    policy: Policy,
) -> None:
    make_account_with_cpd(db, user, policy)  # 3 records
    data = download_bytes(signed_in_client)
    app.extensions["policy"] = dataclasses.replace(policy, max_records_per_account=5)
    response = import_file(signed_in_client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your account holds 3 CPD records" in page and "more than one account can (5)" in page
    assert _counts(db)[0] == 3


def _records_zip(records_json: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("records.json", records_json)
    return buffer.getvalue()


def test_a_small_file_listing_a_million_records_is_refused_before_it_is_parsed(
    signed_in_client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = b"[" + b",".join([b"{}"] * 1_000_000) + b"]"
    data = _records_zip(
        b'{"format": "record-cpd-export", "version": 1, "records": ' + listing + b"}"
    )
    assert len(data) < 20_000
    parsed: list[int] = []
    real_loads = json.loads
    monkeypatch.setattr(
        importing.json,
        "loads",
        lambda s: (len(s) > 1_000_000 and parsed.append(1)) or real_loads(s),
    )
    response = import_file(signed_in_client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "more CPD records than one account can (2,000)" in page
    assert parsed == [], "records.json was parsed whole"
    assert len(page) < 20_000
    assert _counts(db) == (0, 0, 0)


def test_a_file_of_many_unreadable_records_lists_a_few_problems_and_counts_the_rest(
    signed_in_client: FlaskClient, db: Session
) -> None:
    data = _zip({"records.json": _export_json([7] * 1_500)})  # type: ignore[list-item]
    response = import_file(signed_in_client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Record 30 cannot be read" in page and "Record 31 cannot be read" not in page
    assert "And 1,470 more problems in the same file" in page
    assert len(page) < 30_000
    assert _counts(db) == (0, 0, 0)


def _export_with_documents(count: int) -> bytes:
    records, entries = [], {}
    for number in range(1, count + 1):
        path = f"documents/{number}/notes-{number}.pdf"
        entries[path] = sample_files.pdf(f"Reflective notes, session {number}")
        records.append(
            {
                "form_type": "unstructured",
                "status": "draft",
                "answers": {
                    "title": f"Draft {number}",
                    "description": "Notes from supervision. " * 20,
                    "standard_parts": ["4.2"],
                    "documents": [{"id": number, "explanation": "My notes"}],
                },
                "documents": [{"id": number, "filename": f"notes-{number}.pdf", "path": path}],
            }
        )
    return _zip({"records.json": _export_json(records), **entries})


def _holds_an_open_write(database_url: str) -> bool:
    """Whether a transaction is writing the database right now: on PostgreSQL, one
    inserting CPD rows (the import's); on SQLite, any (nothing else writes while the
    import runs: the person signed in before, and a session is touched once a minute)."""
    if server_url() is not None:
        engine = create_engine(database_url)
        try:
            with engine.connect() as connection:
                return bool(
                    connection.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                            " current_database() AND state IN ('active', 'idle in transaction')"
                            " AND query ILIKE 'INSERT INTO cpd_%'"
                        )
                    ).scalar()
                )
        finally:
            engine.dispose()
    import sqlite3

    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def _worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def _post_import(port: int, cookie: str, token: str, data: bytes) -> None:
    """Post an export as the import page does; no answer if the worker is killed."""
    import http.client

    boundary = "----record-cpd-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data;"
            ' name="export"; filename="your-cpd.zip"\r\nContent-Type: application/zip'
            "\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(
            "POST",
            "/your-cpd/import",
            body=body,
            headers={
                "Cookie": cookie,
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        pass  # the worker was killed: no answer
    finally:
        connection.close()


def _rows_of(database_url: str, email: str) -> tuple[int, int, int]:
    engine = create_engine(database_url)
    owner = "(SELECT id FROM user_account WHERE email = :email)"
    try:
        with engine.connect() as connection:
            return tuple(  # type: ignore[return-value]
                connection.execute(text(sql), {"email": email}).scalar() or 0
                for sql in (
                    f"SELECT count(*) FROM cpd_record WHERE owner_id = {owner}",  # noqa: S608
                    f"SELECT count(*) FROM cpd_document WHERE owner_id = {owner}",  # noqa: S608
                    "SELECT count(*) FROM cpd_document_content c JOIN cpd_document d"  # noqa: S608
                    f" ON d.id = c.document_id WHERE d.owner_id = {owner}",
                )
            )
    finally:
        engine.dispose()


@pytest.mark.timeout(600)
def test_an_import_whose_worker_is_killed_half_way_leaves_all_or_nothing(
    tmp_path: Path,
) -> None:
    """60 drafts with a document each; the gunicorn worker is killed (kill -9, as an
    OOM kill or a deploy would) while the import's transaction is open. Counting rows
    after: none of the file, or all of it. The write is short (the files are checked
    before it), so a try whose write was never caught open is made again, for
    another person, up to three times."""
    import threading

    data = _export_with_documents(60)
    with throwaway_database(tmp_path, "killed_import") as database_url:
        server = start_live_server(
            database_url=database_url,
            instance_dir=tmp_path,
            env={
                "SECRET_KEY": "kill-test-secret-key-that-is-long-enough-for-prod",
                "REDIS_URL": None,
            },
        )
        killed_for = None
        try:
            for attempt in range(3):
                email = f"importer-{attempt}@example.com"
                create_accounts(database_url, [email])
                client = Client(int(server.url.rsplit(":", 1)[1]))
                client.sign_in(email)
                client.request("GET", "/your-cpd/import")
                sender = threading.Thread(
                    target=_post_import, args=(client.port, client.cookie, client.token, data)
                )
                sender.start()
                while sender.is_alive():
                    if _holds_an_open_write(database_url):
                        for pid in _worker_pids(server.process.pid):
                            os.kill(pid, signal.SIGKILL)
                        killed_for = email
                        break
                sender.join(timeout=120)
                if killed_for:
                    break
                # Not caught open: the import finished whole.
                assert _rows_of(database_url, email) == (60, 60, 60)
                # A new worker, for the next try.
                start = time.monotonic()
                while not _worker_pids(server.process.pid) and time.monotonic() - start < 30:
                    pass
        finally:
            stop_live_server(server)
        assert killed_for, "the import was never caught writing in three tries"
        assert _rows_of(database_url, killed_for) in ((0, 0, 0), (60, 60, 60))
