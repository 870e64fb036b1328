"""Ready to renew on Your CPD: counted by aggregate queries, said in one statement."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.db import utcnow
from app.policy import Policy
from app.records.models import DRAFT, RECORDED, CpdRecord
from app.renewal import services
from app.renewal.rules import YearCounts, renewal_year
from tests.support.queries import statements_sent

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
    # Line breaks alone are no peer reflection, any more than spaces.
    add_record(db, user.id, completed_on=dt.date(2026, 6, 7), peer_reflection="\n\n\t")
    expected = YearCounts(recorded=3, with_peer_reflection=1, drafts=2, dated_earlier=1)
    assert services.year_counts(db, year=year, policy=policy) == {user.id: expected}
    # One person's counts (Your CPD), by the same definitions.
    assert services.counts_for(db, owner_id=user.id, year=year, policy=policy) == expected


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
    assert "1 other piece of CPD you recorded was completed before" in statement


def test_the_counts_are_one_aggregate_query_however_many_records(
    app: Flask, db: Session, user, policy: Policy
) -> None:
    assert user.id is not None
    for day in range(1, 21):
        add_record(db, user.id, completed_on=dt.date(2026, 6, day))
    with statements_sent(app) as statements:
        status = services.status_for(
            db, owner_id=user.id, policy=policy, today=dt.date(2026, 10, 1)
        )
    assert status.counts.recorded == 20
    assert len(statements) == 1
    assert statements[0].lower().count("count(") == 4
    # Whether a record has a peer reflection is stored beside its answers: counting
    # reads no record's answers (reading every one grew with the number of records).
    assert "answers" not in statements[0]


def _peer_reflected(db: Session, record: CpdRecord) -> bool:
    db.refresh(record)
    return record.has_peer_reflection


def test_every_save_keeps_whether_the_record_has_a_peer_reflection(
    db: Session, user, policy: Policy
) -> None:
    from app.cpd import services as cpd_services

    assert user.id is not None
    record, _ = cpd_services.start_record(
        db, owner_id=user.id, form_type="structured", editor="page"
    )
    versions = iter(range(100))
    for peer_reflection, action, expected in [
        ("We talked it through", cpd_services.DRAFT_ACTION, True),
        ("  \n ", cpd_services.DRAFT_ACTION, False),
        ("Discussed with my supervisor", cpd_services.RECORD, True),
        # A draft of changes to recorded CPD does not change what counts...
        ("", cpd_services.DRAFT_ACTION, True),
        # ...recording the change does.
        ("", cpd_services.RECORD, False),
    ]:
        cpd_services.claim_version(db, record, expected=next(versions), editor=None)
        cpd_services.write_answers(
            db,
            record,
            answers={"title": "Supervision", "peer_reflection": peer_reflection},
            action=action,
            policy=policy,
        )
        db.commit()
        assert _peer_reflected(db, record) is expected, (peer_reflection, action)


def test_the_migration_fills_in_whether_existing_records_have_a_peer_reflection(
    tmp_path,
) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from app.cli import alembic_config
    from tests.support.database import throwaway_database

    answers = {
        1: '{"title": "A", "peer_reflection": "Talked it over"}',
        2: '{"title": "B", "peer_reflection": " \\n\\t "}',
        3: '{"title": "C", "peer_reflection": ""}',
        4: '{"title": "D"}',
    }
    with throwaway_database(tmp_path, "peer", revision="5e1a7c3b9d20") as url:
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
                connection.execute(text("SELECT id, has_peer_reflection FROM cpd_record")).all()
            )
        engine.dispose()
    assert {id_: bool(value) for id_, value in stored.items()} == {
        1: True,
        2: False,
        3: False,
        4: False,
    }


class _Outline(HTMLParser):
    """The page's headings in order, each with the text that follows it up to the next."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[list[str]] = []  # [heading text, text after it]
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self._in_heading = True
            self.headings.append(["", ""])

    def handle_endtag(self, tag: str) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self.headings:
            self.headings[-1][0 if self._in_heading else 1] += data


def _said(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_ready_to_renew_has_one_heading_then_words_and_one_count_for_this_year(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    assert user.id is not None
    year = renewal_year(policy.today(), policy)
    add_record(db, user.id, completed_on=year.start)
    add_record(db, user.id, completed_on=year.start + dt.timedelta(days=1))
    # Recorded today, completed the year before: it must not read as a second count
    # of what was recorded this year.
    add_record(db, user.id, completed_on=year.start - dt.timedelta(days=3))
    html = signed_in_client.get("/your-cpd").get_data(as_text=True)

    outline = _Outline()
    outline.feed(html)
    titles = [" ".join(text.split()) for text, _ in outline.headings]
    banner = titles.index("Ready to renew")
    assert titles[banner + 1] == "This registration year", titles  # the banner's only heading
    assert outline.headings[banner][1].strip(), "the banner's heading is followed by nothing"

    # Every sentence counting the CPD recorded this (registration) year gives one number:
    # the 2 completed in it. The one completed before it is said another way.
    blocks = re.findall(r"<(p|li)\b[^>]*>(.*?)</\1>", html, re.S)
    sentences = [s for _, block in blocks for s in re.split(r"(?<=[.:])\s", _said(block))]
    counts = [
        int(count)
        for sentence in sentences
        if re.search(r"\brecorded\b", sentence)
        and re.search(r"\bthis (registration )?year\b", sentence)
        for count in re.findall(r"\b(\d+) pieces? of CPD\b", sentence)
    ]
    assert counts and set(counts) == {2}, [s for s in sentences if "this" in s and "recorded" in s]
    assert "1 other piece of CPD you recorded was completed before" in _said(html)
