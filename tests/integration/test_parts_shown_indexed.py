"""The parts of the standard shown this year, read from a stored column and its index
rather than from every record's answers: the same parts as the answers say, for any mix
of records, at a cost that does not grow with how many records someone has."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlmodel import Session, select

from app import dates
from app.cpd import listing
from app.db import utcnow
from app.policy import Policy
from app.records import derived
from app.records.models import DRAFT, RECORDED, CpdRecord
from tests.conftest import PASSWORD, submit

pytestmark = pytest.mark.db


@contextmanager
def statements_run(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def add(
    db: Session,
    owner_id: int,
    parts: Any,
    *,
    on: dt.date | None,
    status: str = RECORDED,
    deleted: bool = False,
    pending: Any = None,
) -> CpdRecord:
    record = CpdRecord(
        owner_id=owner_id,
        form_type="structured",
        status=status,
        answers={"title": "Mixed", "standard_parts": parts},
        pending_answers=None if pending is None else {"standard_parts": pending},
        completed_on=on,
        recorded_at=utcnow() if status == RECORDED else None,
        deleted_at=utcnow() if deleted else None,
    )
    db.add(record)
    db.commit()
    return record


def shown_by_reading_every_answer(
    db: Session, owner_id: int, start: dt.date, end: dt.date
) -> set[str]:
    """What the parts shown were before the column: every live recorded record dated in
    the year, its ``answers`` (never its pending changes), each string in the list."""
    shown: set[str] = set()
    for record in db.exec(select(CpdRecord).where(CpdRecord.owner_id == owner_id)).all():
        counted = (
            record.status == RECORDED
            and record.deleted_at is None
            and record.completed_on is not None
            and start <= record.completed_on <= end
        )
        parts = record.answers.get("standard_parts")
        if counted and isinstance(parts, list):
            shown.update(part for part in parts if isinstance(part, str))
    return shown


def test_parts_shown_are_the_answers_parts_for_every_kind_of_record(
    db: Session, user, other_user_id: int, policy: Policy
) -> None:
    assert user.id is not None
    start, end = dates.registration_year_containing(policy.today(), policy)
    add(db, user.id, ["4.1", "4.3"], on=start)
    add(db, user.id, ["4.3", "4.1"], on=end)  # the same parts in another order
    add(db, user.id, ["4.2"], on=start, status=DRAFT)  # drafts never count
    add(db, user.id, ["4.4"], on=start, deleted=True)  # nor deleted CPD
    add(db, user.id, ["4.5"], on=start - dt.timedelta(days=1))  # last year
    add(db, user.id, ["4.6"], on=end + dt.timedelta(days=1))  # next year
    # Pending changes are a draft: the recorded answers are what count.
    add(db, user.id, ["4.3"], on=start, pending=["4.7"])
    add(db, user.id, [], on=start)
    add(db, user.id, "4.8", on=start)  # not a list (an old or odd record)
    add(db, user.id, [8, None, "x" * 500], on=start)  # nothing the policy could name
    add(db, user.id, ["4.8", "4.8"], on=start, status=DRAFT)
    add(db, other_user_id, ["4.2", "4.8"], on=start)  # someone else's CPD
    expected = shown_by_reading_every_answer(db, user.id, start, end)
    assert expected == {"4.1", "4.3", "x" * 500}  # the mix is what it says
    progress = listing.progress(db, owner_id=user.id, policy=policy, today=policy.today())
    assert set(progress.parts_shown) == expected & {p.number for p in policy.standard_parts}
    assert progress.parts_shown == ("4.1", "4.3")
    assert progress.recorded == 6


def test_progress_counts_only_this_registration_year(db: Session, user, policy: Policy) -> None:
    assert user.id is not None
    add(db, user.id, ["4.1", "4.2"], on=dt.date(2025, 12, 1))
    add(db, user.id, ["4.2"], on=dt.date(2026, 11, 29))
    add(db, user.id, ["4.8"], on=dt.date(2025, 11, 30))  # last year
    progress = listing.progress(db, owner_id=user.id, policy=policy, today=dt.date(2026, 11, 29))
    assert (progress.year_start, progress.year_end) == (dt.date(2025, 12, 1), dt.date(2026, 11, 30))
    assert progress.recorded == 2
    assert (progress.minimum, progress.good_practice) == (1, 4)
    assert progress.meets_minimum and not progress.meets_good_practice
    assert progress.parts_shown == ("4.1", "4.2")
    assert "4.8" in progress.parts_not_shown


def test_parts_follow_every_change_of_a_record(db: Session, user, policy: Policy) -> None:
    assert user.id is not None
    start, _ = dates.registration_year_containing(policy.today(), policy)

    def shown() -> tuple[str, ...]:
        today = policy.today()
        return listing.progress(db, owner_id=user.id, policy=policy, today=today).parts_shown

    record = add(db, user.id, ["4.2"], on=start, status=DRAFT)
    assert shown() == ()
    record.status = RECORDED
    db.add(record)
    db.commit()
    assert shown() == ("4.2",)
    record.answers = {**record.answers, "standard_parts": ["4.5", "4.6"]}
    db.add(record)
    db.commit()
    assert shown() == ("4.5", "4.6")
    record.deleted_at = utcnow()
    db.add(record)
    db.commit()
    assert shown() == ()


def test_records_made_and_changed_through_the_form_show_their_parts(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    """As a person makes them: each record through the form, showing one part."""
    from tests.integration.test_cpd_records import structured_answers

    today = policy.today()
    date = {
        "completed_day": str(today.day),
        "completed_month": str(today.month),
        "completed_year": str(today.year),
    }
    for part in ("4.2", "4.7"):
        response = submit(
            signed_in_client,
            "/your-cpd/new/structured",
            structured_answers(standard_parts=[part], **date),
        )
        assert response.status_code == 302
    progress = listing.progress(db, owner_id=user.id, policy=policy, today=today)
    assert progress.parts_shown == ("4.2", "4.7")
    record = db.exec(select(CpdRecord).where(CpdRecord.owner_id == user.id)).first()
    assert record is not None
    changed = record.answers["standard_parts"][0]
    response = submit(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        structured_answers(standard_parts=["4.8"], version=str(record.version), **date),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.expire_all()
    progress = listing.progress(db, owner_id=user.id, policy=policy, today=today)
    assert set(progress.parts_shown) == ({"4.2", "4.7"} - {changed}) | {"4.8"}


def test_the_parts_are_read_without_any_record_s_answers_in_one_statement(
    app: Flask, db: Session, user, policy: Policy
) -> None:
    assert user.id is not None
    start, end = dates.registration_year_containing(policy.today(), policy)
    for part in ("4.1", "4.2", "4.3"):
        add(db, user.id, [part], on=start)
    numbers = [part.number for part in policy.standard_parts]
    with statements_run(app) as statements:
        shown = listing.parts_shown(db, owner_id=user.id, start=start, end=end, numbers=numbers)
    assert shown == {"4.1", "4.2", "4.3"}
    assert len(statements) == 1
    assert "answers" not in statements[0]


def test_the_parts_statement_is_served_by_the_index(
    app: Flask, db: Session, user, policy: Policy
) -> None:
    """Every step of the statement searches an index that holds what it needs, never
    the table. SQLite's plan is the same at any size; PostgreSQL chooses by the table's
    statistics, so there it is asked with a person's 5,000 records in the table (a
    small test table says nothing about a large one)."""
    assert user.id is not None
    start, end = dates.registration_year_containing(policy.today(), policy)
    add(db, user.id, ["4.1"], on=start)
    statement, params = listing.parts_shown_statement(owner_id=user.id, start=start, end=end)
    if db.get_bind().dialect.name == "postgresql":
        # Someone with 5,000 records, seven parts shown, and the table's statistics.
        db.execute(
            text(
                "INSERT INTO cpd_record (owner_id, form_type, status, version, answers,"
                " created_at, updated_at, completed_on, standard_parts_key,"
                " has_peer_reflection) SELECT :owner, 'structured', 'recorded', 1, '{}',"
                " now(), now(), CAST(:start AS date) + g % 300,"
                " '[\"4.' || (g % 7 + 1) || '\"]', false FROM generate_series(1, 5000) AS g"
            ),
            {"owner": user.id, "start": start},
        )
        db.commit()
        db.execute(text("ANALYZE cpd_record"))
        plan = [row[0] for row in db.execute(text("EXPLAIN " + statement), params)]
        reads = [step for step in plan if " on cpd_record" in step]
        assert reads, plan
        using_index = "Index Only Scan using ix_cpd_record_parts"
        assert all(using_index in step for step in reads), "\n".join(plan)
        return
    plan = [row[-1] for row in db.execute(text("EXPLAIN QUERY PLAN " + statement), params)]
    reads = [step for step in plan if step.startswith(("SEARCH r", "SCAN r"))]
    assert reads, plan
    assert all(
        step.startswith("SEARCH r USING COVERING INDEX ix_cpd_record_parts") for step in reads
    ), plan


@pytest.fixture
def other_user_id(db: Session, policy: Policy) -> int:
    from app.auth import services

    other = services.create_account(
        db=db,
        policy=policy,
        full_name="Someone Else",
        email="someone.else@example.com",
        registration_number=None,
        password=PASSWORD,
    )
    assert other.id is not None
    return other.id


def test_the_migration_fills_in_the_parts_of_existing_records(tmp_path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from app.cli import alembic_config
    from tests.support.database import throwaway_database

    answers = {
        1: '{"title": "A", "standard_parts": ["4.3", "4.1", "4.3"]}',
        2: '{"title": "B", "standard_parts": []}',
        3: '{"title": "C", "standard_parts": "4.1"}',
        4: '{"title": "D"}',
        5: '{"title": "E", "standard_parts": [4, "", "4.8"]}',
    }
    with throwaway_database(tmp_path, "parts", revision="b3f1d2e4a6c8") as url:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO user_account (id, email, full_name, password_hash, created_at,"
                    " password_changed_at) VALUES (1, 'a@example.com', 'A', 'x',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            for id_, value in answers.items():
                connection.execute(
                    text(
                        "INSERT INTO cpd_record (id, owner_id, form_type, status, version,"
                        " answers, created_at, updated_at)"
                        " VALUES (:id, 1, 'structured', 'recorded', 1, :answers,"
                        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": id_, "answers": value},
                )
        command.upgrade(alembic_config(url), "head")
        with engine.connect() as connection:
            stored = dict(
                connection.execute(text("SELECT id, standard_parts_key FROM cpd_record")).all()
            )
        engine.dispose()
    # The same keys as every write of a record now stores.
    assert stored == {
        id_: derived.standard_parts_key(json.loads(value)) for id_, value in answers.items()
    }
    assert stored == {1: '["4.1","4.3"]', 2: None, 3: None, 4: None, 5: '["4.8"]'}
