"""Ready to renew on Your CPD: counted by aggregate queries, said in one statement."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlmodel import Session

from app.cpd.models import DRAFT, RECORDED, CpdRecord
from app.db import utcnow
from app.policy import Policy
from app.renewal import services
from app.renewal.rules import YearCounts, renewal_year

pytestmark = pytest.mark.db


def add_record(
    db: Session,
    owner_id: int,
    *,
    completed_on: dt.date | None,
    status: str = RECORDED,
    peer_reflection: str = "",
    deleted: bool = False,
    recorded_at: dt.datetime | None = None,
) -> CpdRecord:
    answers: dict[str, Any] = {"title": "Counted", "peer_reflection": peer_reflection}
    record = CpdRecord(
        owner_id=owner_id,
        form_type="structured",
        status=status,
        answers=answers,
        completed_on=completed_on,
        recorded_at=(recorded_at or utcnow()) if status == RECORDED else None,
        deleted_at=utcnow() if deleted else None,
    )
    db.add(record)
    db.commit()
    return record


def test_only_recorded_cpd_dated_in_the_year_counts(db: Session, user, policy: Policy) -> None:
    today = dt.date(2026, 10, 1)
    year = renewal_year(today, policy)
    assert user.id is not None
    add_record(db, user.id, completed_on=dt.date(2026, 6, 3), peer_reflection="Talked it over")
    add_record(db, user.id, completed_on=dt.date(2026, 6, 4), peer_reflection="   ")
    add_record(db, user.id, completed_on=dt.date(2026, 6, 5), status=DRAFT)
    add_record(db, user.id, completed_on=None, status=DRAFT)
    add_record(db, user.id, completed_on=dt.date(2026, 6, 6), deleted=True)
    # Recorded this year, completed last year: it counts for last year only.
    add_record(db, user.id, completed_on=dt.date(2025, 11, 20))
    # Recorded last year for last year: not this year's business at all.
    add_record(
        db,
        user.id,
        completed_on=dt.date(2025, 5, 1),
        recorded_at=dt.datetime(2025, 5, 2, tzinfo=dt.UTC),
    )
    counts = services.year_counts(db, year=year, policy=policy)
    assert counts == {
        user.id: YearCounts(recorded=2, with_peer_reflection=1, drafts=2, dated_earlier=1)
    }


def _use_policy(app: Flask, policy: Policy) -> None:
    app.extensions["policy"] = policy
    app.jinja_env.globals["policy"] = policy


def _statement(client: FlaskClient) -> str:
    page = client.get("/your-cpd").get_data(as_text=True)
    banner = re.search(r'<div class="govuk-notification-banner.*?</div>\s*</div>', page, re.S)
    assert banner, "Your CPD has no ready-to-renew statement"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", banner.group(0)))


def test_your_cpd_says_what_is_missing_under_the_later_rule_then_that_you_are_ready(
    app: Flask, signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    _use_policy(
        app,
        dataclasses.replace(
            policy, yearly_minimum_records=2, yearly_minimum_with_peer_reflection=1
        ),
    )
    today = policy.today()
    assert user.id is not None
    add_record(db, user.id, completed_on=today)
    add_record(db, user.id, completed_on=today, status=DRAFT)
    statement = _statement(signed_in_client)
    assert "You are not ready to renew yet" in statement
    assert "Record 1 more piece of CPD, completed between" in statement
    assert "Add a peer reflection to 1 more piece of CPD" in statement
    assert "You have 1 draft: drafts do not count until you record them" in statement

    add_record(db, user.id, completed_on=today, peer_reflection="Discussed with a colleague")
    statement = _statement(signed_in_client)
    assert "You are ready to renew your registration" in statement
    assert "2 pieces of CPD completed in this registration year" in statement
    assert "1 with a peer reflection" in statement
    assert "To be ready" not in statement


def test_the_2020_rule_asks_for_one_piece_and_no_peer_reflection(
    signed_in_client: FlaskClient,
) -> None:
    statement = _statement(signed_in_client)
    assert "You are not ready to renew yet" in statement
    assert "Record 1 more piece of CPD" in statement
    assert "peer reflection" not in statement


def test_cpd_recorded_this_year_but_completed_last_year_is_explained(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    assert user.id is not None
    year = renewal_year(policy.today(), policy)
    add_record(db, user.id, completed_on=year.start - dt.timedelta(days=3))
    statement = _statement(signed_in_client)
    assert "You are not ready to renew yet" in statement
    assert "You recorded 1 piece of CPD this year that was completed before" in statement


def test_the_counts_are_one_aggregate_query_however_many_records(
    app: Flask, db: Session, user, policy: Policy
) -> None:
    assert user.id is not None
    for day in range(1, 21):
        add_record(db, user.id, completed_on=dt.date(2026, 6, day))
    statements: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", remember)
    try:
        status = services.status_for(
            db, owner_id=user.id, policy=policy, today=dt.date(2026, 10, 1)
        )
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert status.counts.recorded == 20
    assert len(statements) == 1
    assert "GROUP BY" in statements[0] and "sum(" in statements[0].lower()
