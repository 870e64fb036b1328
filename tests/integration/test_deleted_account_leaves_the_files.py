"""A deleted account leaves nothing in the database's files, not only in its tables.

SQLite keeps the pages a transaction changed in the ``-wal`` file until a checkpoint
copies them back, and keeps freed pages in the main file: the person's address, name
and CPD were still readable there minutes after deleting (issue 19). These tests read
the raw bytes of the database, ``-wal`` and ``-shm`` files straight after a deletion
made through the pages, while the app still has them open.

The test runs on its own SQLite file whatever TEST_DATABASE_URL says: on PostgreSQL
the operator's part is VACUUM and backup retention (README, "Deleted accounts").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from alembic import command
from sqlmodel import select

from app.auth.models import User
from app.cli import alembic_config
from tests.conftest import PASSWORD, submit
from tests.integration.test_account_deletion import (  # noqa: F401  (fixtures)
    ALEX_WORDS,
    SAM_MARKER,
    alex,
    sam,
)
from tests.integration.test_documents import post, structured, upload
from tests.support import sample_files
from tests.support.http_client import _form_token, signed_in_opener
from tests.support.servers import start_live_server, stop_live_server

pytestmark = pytest.mark.db

# Only in Alex's posted record and in the document Alex uploaded.
POSTED_TEXT = "Pelican-4419 supervision notes"
DOCUMENT_TEXT = "Kingfisher-2468 reflective log"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database file of this test's own: an earlier test's leftovers (the same test
    names are used everywhere) would be found in the files otherwise."""
    url = f"sqlite:///{tmp_path / 'own.db'}"
    command.upgrade(alembic_config(url), "head")
    yield url


@pytest.fixture(autouse=True)
def stand_in_scanner(app) -> None:
    app.extensions["document_scanner"] = sample_files.eicar_scanner


def _files(url: str) -> dict[str, bytes]:
    path = Path(url.removeprefix("sqlite:///"))
    return {
        name: each.read_bytes().lower()
        for name, each in (
            ("main", path),
            ("-wal", Path(f"{path}-wal")),
            ("-shm", Path(f"{path}-shm")),
        )
        if each.exists()
    }


def _found(files: dict[str, bytes], words: list[str]) -> list[str]:
    return [
        f"{word!r} in {name}"
        for word in words
        for name, data in files.items()
        if word.lower().encode() in data
    ]


def _post_a_record_with_a_document(client) -> None:
    response = post(
        client,
        "/your-cpd/new/structured",
        {
            **structured(action="draft", what_you_did=POSTED_TEXT),
            "documents": upload(sample_files.pdf(DOCUMENT_TEXT), "log.pdf"),
        },
    )
    assert response.status_code in (200, 302), response.status_code


WORDS = [*ALEX_WORDS, POSTED_TEXT, DOCUMENT_TEXT]
SAM_WORDS = ["sam@example.com", SAM_MARKER]


@pytest.mark.usefixtures("alex", "sam")
def test_deleting_an_account_leaves_none_of_it_in_the_database_files(client, database_url):
    _post_a_record_with_a_document(client)
    before = _found(_files(database_url), WORDS)
    # The check can fail: every word is in the files before.
    assert {entry.split(" in ")[0] for entry in before} == {repr(word) for word in WORDS}

    response = submit(client, "/account/delete", {"password": PASSWORD, "confirm": "yes"})
    assert response.status_code == 302

    files = _files(database_url)
    assert "main" in files
    assert _found(files, WORDS) == []
    # Sam's account is untouched and readable: the files read are the live ones.
    assert _found(files, SAM_WORDS) != []


@pytest.mark.usefixtures("alex", "sam")
def test_the_daily_purge_leaves_none_of_a_deleted_account_in_the_files(
    app, client, database_url, db
):
    policy = app.extensions["policy"]
    app.extensions["policy"] = dataclasses.replace(policy, account_purge_delay_days=30)
    _post_a_record_with_a_document(client)
    response = submit(client, "/account/delete", {"password": PASSWORD, "confirm": "yes"})
    assert response.status_code == 302
    db.expire_all()
    closed = db.exec(select(User).where(User.email == "alex@example.com")).one()
    closed.deleted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    db.add(closed)
    db.commit()
    assert _found(_files(database_url), WORDS) != []

    result = app.test_cli_runner().invoke(args=["purge-deleted-accounts"])
    assert result.exit_code == 0, result.output

    assert _found(_files(database_url), WORDS) == []
    assert _found(_files(database_url), SAM_WORDS) != []


def test_under_gunicorn_a_deleted_account_leaves_none_of_it_in_the_files(
    tmp_path: Path, smtp_server
) -> None:
    """The same through real gunicorn workers (two, so another process has the files
    open), signed up and deleted through the pages as a person does it."""
    instance = tmp_path / "live"
    instance.mkdir()
    url = f"sqlite:///{instance / 'live.db'}"
    command.upgrade(alembic_config(url), "head")
    server = start_live_server(
        database_url=url,
        instance_dir=instance,
        env={
            "MAIL_BACKEND": "smtp",
            "MAIL_PORT": str(smtp_server.port),
            "SECRET_KEY": "live-files-test-secret-key",
            "ACCOUNT_FORMS_LIMIT_PER_ADDRESS": "1000 per 15 minutes",
        },
        workers=2,
    )
    try:
        people = {}
        for email, name in (("jo@example.com", "Jo Tern"), ("kit@example.com", "Kit Wren")):
            people[email] = signed_in_opener(
                server.url, smtp_server.catcher, email=email, password=PASSWORD, full_name=name
            )
            page = people[email].open(server.url + "/your-cpd/new/structured").read().decode()
            form = {
                "csrf_token": _form_token(page),
                **structured(action="draft", what_you_did=f"{POSTED_TEXT} of {name}"),
            }
            people[email].open(
                server.url + "/your-cpd/new/structured", urlencode(form, doseq=True).encode()
            )
        jo_words = ["jo@example.com", "Jo Tern", f"{POSTED_TEXT} of Jo Tern"]
        assert len(_found(_files(url), jo_words)) >= len(jo_words)

        jo = people["jo@example.com"]
        page = jo.open(server.url + "/account/delete").read().decode()
        form = {"csrf_token": _form_token(page), "password": PASSWORD, "confirm": "yes"}
        answer = jo.open(server.url + "/account/delete", urlencode(form).encode())
        assert answer.geturl().endswith("/account/deleted")
        # Kit carries on, on whichever worker answers.
        assert people["kit@example.com"].open(server.url + "/your-cpd").status == 200

        files = _files(url)
        assert _found(files, jo_words) == []
        assert _found(files, ["kit@example.com", "Kit Wren"]) != []
    finally:
        stop_live_server(server)
