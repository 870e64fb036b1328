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
