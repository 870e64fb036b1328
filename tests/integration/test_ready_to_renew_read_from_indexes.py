"""Ready to renew's counts are read from indexes alone, never from the records
themselves: a person with years of CPD behind them is not counted by reading each
earlier record to see when it was recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.policy import Policy
from app.renewal import services
from app.renewal.rules import renewal_year

pytestmark = pytest.mark.db


def test_every_count_is_an_index_only_search(db: Session, user, policy: Policy) -> None:
    assert user.id is not None
    year = renewal_year(policy.today(), policy)
    statement = services.counts_statement(owner_id=user.id, year=year, policy=policy)
    sql = str(statement.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    if db.get_bind().dialect.name == "postgresql":
        # PostgreSQL chooses by the table's statistics: someone with 5,000 records over
        # ten years, most of them in earlier years, and a draft, each with about as
        # many words as a record has.
        db.execute(
            text(
                "INSERT INTO cpd_record (owner_id, form_type, status, version, answers,"
                " created_at, updated_at, completed_on, recorded_at, has_peer_reflection)"
                " SELECT :owner, 'structured', CASE WHEN g = 1 THEN 'draft' ELSE 'recorded'"
                " END, 1, json_build_object('what_you_did', repeat(md5(g::text), 59)),"
                " now(), now(), CAST(:start AS date) - g % 3650,"
                " CAST(:start AS date) - g % 3650 + 1, g % 2 = 0"
                " FROM generate_series(1, 5000) AS g"
            ),
            {"owner": user.id, "start": year.start + dt.timedelta(days=100)},
        )
        db.commit()
        # As autovacuum leaves a table: its statistics, and its pages marked all-visible
        # (without which an index-only search cannot skip the table).
        with db.get_bind().connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE cpd_record")
            )
        plan = [row[0] for row in db.execute(text("EXPLAIN " + sql))]
        reads = [step for step in plan if " on cpd_record" in step]
        assert len(reads) == 4, "\n".join(plan)
        assert all("Index Only Scan" in step for step in reads), "\n".join(plan)
        return
    plan = [row[-1] for row in db.execute(text("EXPLAIN QUERY PLAN " + sql))]
    reads = [step for step in plan if "cpd_record" in step]
    assert len(reads) == 4, plan
    assert all(step.startswith("SEARCH cpd_record USING COVERING INDEX") for step in reads), plan


def _steps(db: Session, sql: str) -> int:
    """SQLite virtual-machine steps the statement takes (its progress handler, called
    every step): the work it does, whatever the machine's speed or load."""
    raw = db.connection().connection.dbapi_connection
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0

    raw.set_progress_handler(step, 1)
    try:
        raw.execute(sql).fetchall()
    finally:
        raw.set_progress_handler(None, 1)
    return steps[0]


def test_the_counts_read_each_of_the_years_records_once(db: Session, user, policy) -> None:
    """How many of the year's records are recorded, and how many of those have a peer
    reflection, read each record's index entry once between them: a count of the year's
    records and a second count of half of them again read half as much more (Ready to
    renew took 1.5 times as long at 5,000 records as at 20)."""
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's virtual-machine steps; the plans are checked above")
    assert user.id is not None
    year = renewal_year(policy.today(), policy)
    statement = services.counts_statement(owner_id=user.id, year=year, policy=policy)
    sql = str(statement.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    one_count = (
        f"SELECT count(*) FROM cpd_record WHERE owner_id = {user.id} AND status = 'recorded'"
        f" AND deleted_at IS NULL AND completed_on >= '{year.start}'"
        f" AND completed_on <= '{year.end}'"
    )
    taken = {}
    for size in (200, 400):
        db.execute(
            text(
                "WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < 200)"
                " INSERT INTO cpd_record (owner_id, form_type, status, version, answers,"
                " created_at, updated_at, completed_on, recorded_at, has_peer_reflection)"
                " SELECT :owner, 'structured', 'recorded', 1, '{}', :now, :now, :day, :now,"
                " g % 2 FROM n"
            ),
            {"owner": user.id, "now": dt.datetime(2026, 1, 1), "day": year.start},
        )
        db.commit()
        counts = services.counts_for(db, owner_id=user.id, year=year, policy=policy)
        assert (counts.recorded, counts.with_peer_reflection) == (size, size // 2)
        taken[size] = (_steps(db, sql), _steps(db, one_count))
    counts_grew = taken[400][0] - taken[200][0]
    one_count_grew = taken[400][1] - taken[200][1]
    assert counts_grew <= 1.1 * one_count_grew, (counts_grew, one_count_grew)
