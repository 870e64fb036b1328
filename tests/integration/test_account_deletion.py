"""Deleting an account removes everything of that person from every table, and nothing
of anyone else's. The check walks SQLModel.metadata, so a table added later is covered
without this test knowing about it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest
from sqlalchemy import Engine, LargeBinary, func, select
from sqlmodel import Session, SQLModel

import app.models  # noqa: F401  (every table in the metadata)
from app.account.models import PendingEmailChange
from app.auth.models import PasswordReset, User
from app.ratelimit_storage import RateLimitCounter
from app.records.models import CpdDocument, CpdDocumentContent, KeptForm
from app.reminders.models import ReminderOptOut, ReminderSent
from tests.conftest import PASSWORD, csrf_token_from, submit
from tests.support.records import save_new_page

pytestmark = pytest.mark.db

# Written into each person's CPD and documents, so a copy left anywhere is found.
MARKER = "Zebrafinch-7731"
SAM_MARKER = "Heron-5150"


def _as_text(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def traces_of(engine: Engine, *, user_id: int, words: list[str]) -> list[str]:
    """Every row, in every table, that points at ``user_id`` by a foreign key or by a
    column named like one, or holds one of ``words`` anywhere (any case), or names the
    user's id in a rate-limit key, or is a browser session signed in as the user."""
    found = []
    lowered = [word.lower() for word in words]
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            refs = [
                column
                for column in table.columns
                if any(fk.column.table.name == "user_account" for fk in column.foreign_keys)
                or column.name in ("user_id", "owner_id")
            ]
            for row in connection.execute(select(table)).mappings():
                for column in refs:
                    if row[column.name] == user_id:
                        found.append(f"{table.name}.{column.name} = {user_id}")
                if table.name == "user_account" and row["id"] == user_id:
                    found.append(f"user_account row {user_id}")
                for name, value in row.items():
                    if value is None:
                        continue
                    text_value = _as_text(value).lower()
                    for word in lowered:
                        if word in text_value:
                            found.append(f"{table.name}.{name} holds {word!r}")
                    # An id inside a text key ("LIMITER/record-cpd/user:7/..." counts).
                    if re.search(rf"\buser:{user_id}/", _as_text(value)):
                        found.append(f"{table.name}.{name} names user:{user_id}")
                if table.name == "browser_session":
                    data = json.loads(row["data"])
                    if data.get("_user_id") == str(user_id):
                        found.append(f"browser_session signed in as {user_id}")
    return found


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def _owned_rows(db: Session, user_id: int, marker: str) -> None:
    """One of everything a person can have, made through the services or as they
    would leave it."""
    policy = db.info["policy"]
    record = save_new_page(
        db, owner_id=user_id, policy=policy, title=f"{marker} record", description=marker
    ).record
    assert record is not None
    document = CpdDocument(
        record_id=record.id,
        owner_id=user_id,
        filename=f"{marker}.txt",
        kind="text",
        size=20,
        sha256="0" * 64,
        scan_status="not scanned",
        findings=[],
    )
    db.add(document)
    db.flush()
    db.add(CpdDocumentContent(document_id=document.id, data=f"bytes {marker}".encode()))
    now = dt.datetime.now(dt.UTC)
    db.add(
        KeptForm(
            user_id=user_id,
            form_type="structured",
            data={"answers": {"title": marker}},
            expires_at=now + dt.timedelta(hours=1),
        )
    )
    db.add(ReminderSent(user_id=user_id, kind="window-opening", occasion="2026"))
    db.add(ReminderOptOut(user_id=user_id, kind="stale-draft"))
    db.add(
        PasswordReset(
            token_hash=f"{user_id:064d}", user_id=user_id, expires_at=now + dt.timedelta(hours=1)
        )
    )
    user = db.get(User, user_id)
    assert user is not None
    db.add(
        PendingEmailChange(
            token_hash=f"{user_id + 7:064d}",
            user_id=user_id,
            email=f"next-{user.email}",
            expires_at=now + dt.timedelta(hours=1),
        )
    )
    for key in (f"account:{user.email}/auth.sign_in/5/1/minute", f"user:{user_id}/x/5/1/minute"):
        db.add(RateLimitCounter(key=f"LIMITER/record-cpd/{key}", count=1, expires_at=9e9))
    db.commit()


@pytest.fixture
def alex(client, db, policy):
    """Alex, signed up as the pages do it (asked for, then confirmed, which leaves the
    sign-up's row), with one of everything, signed in on this client."""
    from app.auth import services
    from app.auth.passwords import hash_password

    asked = services.request_account(
        db=db,
        policy=policy,
        full_name="Alex Example",
        email="alex@example.com",
        registration_number="SW123456",
        password_hash=hash_password(PASSWORD),
    )
    pending = services.find_pending_account(db=db, token=asked.token)
    user = services.confirm_account(db=db, policy=policy, pending=pending)
    assert (
        submit(client, "/sign-in", {"email": "alex@example.com", "password": PASSWORD}).status_code
        == 302
    )
    db.info["policy"] = policy
    _owned_rows(db, user.id, MARKER)
    return user


@pytest.fixture
def sam(app, db, policy):
    from app.auth import services

    user = services.create_account(
        db=db,
        policy=policy,
        full_name="Sam Other",
        email="sam@example.com",
        registration_number="SW654321",
        password=PASSWORD,
    )
    db.info["policy"] = policy
    _owned_rows(db, user.id, SAM_MARKER)
    phone = app.test_client()
    assert (
        submit(phone, "/sign-in", {"email": "sam@example.com", "password": PASSWORD}).status_code
        == 302
    )
    return user


def _phone(app):
    phone = app.test_client()
    assert (
        submit(phone, "/sign-in", {"email": "alex@example.com", "password": PASSWORD}).status_code
        == 302
    )
    return phone


def _delete(client, password=PASSWORD, confirm="yes"):
    data = {"password": password}
    if confirm:
        data["confirm"] = confirm
    return submit(client, "/account/delete", data)


ALEX_WORDS = ["alex@example.com", "Alex Example", "SW123456", MARKER]


def test_the_delete_page_offers_the_download_first(signed_in_client):
    page = signed_in_client.get("/account/delete").get_data(as_text=True)
    download = page.index('href="/your-cpd/download"')
    assert download < page.index('name="password"')
    assert "Download all your CPD" in page


@pytest.mark.parametrize(
    ("password", "confirm", "error"),
    [
        ("", "yes", "Enter your password"),
        ("not my password at all", "yes", "Your password is not correct"),
        (PASSWORD, None, "Confirm that you want to delete your account and all your CPD"),
    ],
)
def test_nothing_is_deleted_without_the_password_and_the_confirmation(
    signed_in_client, user, db, password, confirm, error
):
    response = _delete(signed_in_client, password, confirm)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert error in page
    db.expire_all()
    assert db.get(User, user.id) is not None
    assert signed_in_client.get("/account").status_code == 200


def test_deleting_an_account_leaves_no_row_of_that_person_in_any_table(
    app, client, alex, sam, db, caplog
):
    engine = app.extensions["db_engine"]
    phone = _phone(app)
    before = traces_of(engine, user_id=alex.id, words=ALEX_WORDS)
    # The check can fail: every kind of row it looks for is there before.
    for table in (
        "cpd_record",
        "cpd_revision",
        "cpd_document",
        "cpd_document_content",
        "kept_form",
        "reminder_sent",
        "reminder_opt_out",
        "password_reset",
        "pending_email_change",
        "user_session",
        "pending_account",
        "rate_limit_counter",
        "browser_session",
        "user_account",
    ):
        assert any(trace.startswith(table) for trace in before), table
    sam_words = ["sam@example.com", "Sam Other", "SW654321", SAM_MARKER]
    sam_before = traces_of(engine, user_id=sam.id, words=sam_words)
    counts_before = _counts(engine)

    response = _delete(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your account has been deleted" in page

    assert traces_of(engine, user_id=alex.id, words=ALEX_WORDS) == []
    # Sam's data is all still there, and so are the document bytes that are Sam's.
    assert traces_of(engine, user_id=sam.id, words=sam_words) == sam_before
    with engine.connect() as connection:
        orphans = connection.execute(
            select(func.count())
            .select_from(CpdDocumentContent)
            .where(CpdDocumentContent.document_id.not_in(select(CpdDocument.id)))
        ).scalar_one()
    assert orphans == 0
    assert _counts(engine)["cpd_document_content"] == counts_before["cpd_document_content"] - 1

    # Signed out here and on the phone; the account cannot sign in again.
    assert client.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302
    again = submit(
        app.test_client(), "/sign-in", {"email": "alex@example.com", "password": PASSWORD}
    )
    assert again.status_code == 200
    assert "account_deleted" in caplog.text


def test_with_a_purge_delay_the_account_is_closed_at_once_and_purged_later(
    app, client, alex, sam, db, caplog
):
    policy = app.extensions["policy"]
    app.extensions["policy"] = dataclasses.replace(policy, account_purge_delay_days=30)
    engine = app.extensions["db_engine"]
    phone = _phone(app)
    assert _delete(client).status_code == 302

    # Closed: signed out everywhere, cannot sign in, no reset link, but not yet purged.
    assert phone.get("/account").status_code == 302
    fresh = app.test_client()
    assert (
        submit(fresh, "/sign-in", {"email": "alex@example.com", "password": PASSWORD}).status_code
        == 200
    )
    caplog.clear()
    submit(fresh, "/forgot-password", {"email": "alex@example.com"})
    assert "/reset-password/" not in caplog.text
    assert traces_of(engine, user_id=alex.id, words=ALEX_WORDS) != []

    runner = app.test_cli_runner()
    early = runner.invoke(args=["purge-deleted-accounts"])
    assert early.exit_code == 0, early.output
    assert "Removed 0 deleted accounts" in early.output
    assert traces_of(engine, user_id=alex.id, words=ALEX_WORDS) != []

    db.expire_all()
    closed = db.get(User, alex.id)
    closed.deleted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    db.add(closed)
    db.commit()
    result = runner.invoke(args=["purge-deleted-accounts"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 deleted account" in result.output
    assert traces_of(engine, user_id=alex.id, words=ALEX_WORDS) == []
    assert db.get(User, sam.id) is not None

    twice = runner.invoke(args=["purge-deleted-accounts"])
    assert twice.exit_code == 0
    assert "Removed 0 deleted accounts" in twice.output


def test_deleting_is_rate_limited_like_sign_in(app, signed_in_client):
    app.config["SIGN_IN_LIMIT_PER_DEVICE"] = "2 per 15 minutes"
    for _ in range(2):
        assert _delete(signed_in_client, "a wrong guess here").status_code == 200
    assert _delete(signed_in_client, "a wrong guess here").status_code == 429


def test_the_deleted_page_needs_no_account(client):
    assert client.get("/account/deleted").status_code == 200


def test_a_closed_account_gets_no_reminders(app, user, db):
    from app.reminders import services as reminder_services

    policy = app.extensions["policy"]
    # The first day of the renewal window: everyone not ready is reminded.
    today = dt.date(2027, 9, 1)
    now = dt.datetime(2027, 9, 1, 9, tzinfo=dt.UTC)

    def due_for_alex() -> list:
        with app.app_context():
            due = reminder_services.due_reminders(db, policy=policy, today=today, now=now)
        return [reminder for reminder in due if reminder.user.id == user.id]

    assert due_for_alex() != []
    user.deleted_at = now
    db.add(user)
    db.commit()
    assert due_for_alex() == []


def test_the_csrf_token_is_needed_to_delete(signed_in_client, user, db):
    page = signed_in_client.get("/account/delete").get_data(as_text=True)
    assert csrf_token_from(page)
    response = signed_in_client.post(
        "/account/delete", data={"password": PASSWORD, "confirm": "yes"}
    )
    assert response.status_code == 400
    db.expire_all()
    assert db.get(User, user.id) is not None


def test_large_binary_columns_are_read_as_bytes():
    """The trace check reads document content as text: it must see every binary column."""
    binary = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, LargeBinary)
    ]
    assert binary == ["cpd_document_content.data"]
