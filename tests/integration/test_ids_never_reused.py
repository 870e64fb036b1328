"""Ids that go in links and signed tokens are never given out twice (issue 19): a
deleted person's unsubscribe link, kept form or record address must never reach the
next person. SQLite needs AUTOINCREMENT for that; PostgreSQL's sequences never go back.
The unsubscribe case itself is in test_reminders.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from app.cli import alembic_config
from app.db import make_engine
from tests.support.database import throwaway_database

pytestmark = pytest.mark.db

# The account (unsubscribe links, a form's kept_for), records and documents (their
# addresses), kept forms (?restore=).
NEVER_REUSED = ("user_account", "cpd_record", "cpd_document", "kept_form")
BEFORE = "b3f1d2e4a6c8"


def _never_reused(connection, table: str) -> bool:
    if connection.dialect.name == "sqlite":
        sql = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": table}
        ).scalar_one()
        return "AUTOINCREMENT" in sql.upper()
    sequence = connection.execute(
        text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
    ).scalar_one()
    return bool(sequence)


def test_ids_that_go_in_links_are_never_given_out_twice(app) -> None:
    engine = app.extensions["db_engine"]
    with engine.connect() as connection:
        assert [t for t in NEVER_REUSED if not _never_reused(connection, t)] == []


ROWS = [
    "INSERT INTO user_account (id, email, full_name, password_hash, created_at,"
    " password_changed_at) VALUES (1, 'a@example.com', 'A', 'x', CURRENT_TIMESTAMP,"
    " CURRENT_TIMESTAMP), (2, 'b@example.com', 'B', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO two_step_setting (id, user_id, sealed_secret, created_at)"
    " VALUES (1, 2, 'sealed', CURRENT_TIMESTAMP)",
    "INSERT INTO cpd_record (id, owner_id, form_type, status, version, answers, created_at,"
    " updated_at) VALUES (7, 2, 'structured', 'draft', 1, '{}', CURRENT_TIMESTAMP,"
    " CURRENT_TIMESTAMP)",
    "INSERT INTO cpd_document (id, record_id, owner_id, filename, kind, size, sha256,"
    " scan_status, findings, uploaded_at) VALUES (9, 7, 2, 'a.pdf', 'pdf', 3, 'x',"
    " 'not scanned', '[]', CURRENT_TIMESTAMP)",
    "INSERT INTO cpd_document_content (id, document_id, data) VALUES (1, 9, 'abc')",
    "INSERT INTO kept_form (id, user_id, form_type, data, kept_at, expires_at)"
    " VALUES (4, 2, 'structured', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
]


def _counts(connection) -> dict[str, int]:
    tables = [*NEVER_REUSED, "two_step_setting", "cpd_document_content"]
    return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def _schema(connection) -> dict[str, object]:
    """What the rebuild must keep: columns, indexes, unique and foreign keys."""
    inspector = inspect(connection)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            sorted(
                (i["name"], tuple(i["column_names"]), i["unique"])
                for i in inspector.get_indexes(table)
            ),
            sorted(str(sorted(u["column_names"])) for u in inspector.get_unique_constraints(table)),
            sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], str(f.get("options")))
                for f in inspector.get_foreign_keys(table)
            ),
        )
        for table in [*NEVER_REUSED, "two_step_setting", "cpd_document_content", "cpd_revision"]
    }


def test_the_migration_keeps_every_row_and_key_and_then_never_reuses_an_id(
    tmp_path: Path,
) -> None:
    with throwaway_database(tmp_path, "fresh") as fresh_url:
        fresh = make_engine(fresh_url)
        with fresh.connect() as connection:
            wanted = _schema(connection)
        fresh.dispose()
    with throwaway_database(tmp_path, "ids", revision=BEFORE) as url:
        engine = make_engine(url)  # foreign keys on, as the app runs
        with engine.begin() as connection:
            for statement in ROWS:
                connection.execute(text(statement))
            if connection.dialect.name != "sqlite":
                # Rows given their ids above: a real database's sequences are past them.
                for table in NEVER_REUSED:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id))"
                            f" FROM {table}"
                        )
                    )
            before = _counts(connection)
        command.upgrade(alembic_config(url), "head")
        with engine.begin() as connection:
            assert _counts(connection) == before
            assert [t for t in NEVER_REUSED if not _never_reused(connection, t)] == []
            assert _schema(connection) == wanted
            if connection.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
            # The newest account goes; the next one gets a new id, not 2 again.
            for table in ("cpd_document_content", "cpd_document", "kept_form", "cpd_record"):
                connection.execute(text(f"DELETE FROM {table}"))
            # (Its storage counter too, filled in by a migration on the way.)
            connection.execute(text("DELETE FROM storage_use WHERE owner_id = 2"))
            connection.execute(text("DELETE FROM user_account WHERE id = 2"))
            assert _counts(connection)["two_step_setting"] == 0  # ON DELETE CASCADE kept
            connection.execute(
                text(
                    "INSERT INTO user_account (email, full_name, password_hash, created_at,"
                    " password_changed_at) VALUES ('c@example.com', 'C', 'x',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            new_id = connection.execute(
                text("SELECT id FROM user_account WHERE email = 'c@example.com'")
            ).scalar_one()
        engine.dispose()
    assert new_id == 3
