"""Reading CPD back from a live server's database, as the browser tests check it."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text


def stored_answers(database_url: str) -> list[dict]:
    """Every CPD record's answers, oldest first (JSON arrives as text on SQLite)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT answers FROM cpd_record ORDER BY id")).all()
    finally:
        engine.dispose()
    return [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]
