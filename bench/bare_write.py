"""The autosave's ceiling: a bare Flask app with one route that does the least an
autosave must (read a form of answers, update one row's JSON in one transaction) and
nothing else: no session, CSRF, ORM, templates or extensions. bench/load.py serves it
with the app's gunicorn settings and the app's database engine (app/db.py
``make_engine``: the same SQLite pragmas, busy timeout and pool) on the same database,
and prints autosave's throughput as a share of it.

    BARE_WRITE_DATABASE_URL=sqlite:////tmp/x.db .venv/bin/gunicorn \\
        --config python:app.gunicorn_conf --workers 2 --pythonpath bench bare_write:app
"""

from __future__ import annotations

import json
import os

from flask import Flask, request
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.db import make_engine

ROWS = 48  # as many rows as bench/load.py's drafts (DRAFTS)
TABLE = "bare_write_record"


def create_rows(engine: Engine) -> None:
    """The table the route writes, with its rows (run once, before the server starts)."""
    with engine.begin() as connection:
        connection.execute(
            text(f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, version INTEGER, answers TEXT)")
        )
        for row in range(1, ROWS + 1):
            connection.execute(
                text(f"INSERT INTO {TABLE} VALUES (:id, 0, '{{}}')"),  # noqa: S608 - our constant
                {"id": row},
            )


app = Flask(__name__)
_engine: Engine | None = None


@app.post("/your-cpd/autosave")
def autosave() -> str:
    global _engine  # noqa: PLW0603 - made in the worker, after gunicorn forks
    if _engine is None:
        _engine = make_engine(os.environ["BARE_WRITE_DATABASE_URL"])
    answers = json.dumps(request.form.to_dict())
    row = int(request.form.get("record_id") or 0) % ROWS + 1
    with _engine.begin() as connection:
        connection.execute(
            text(f"UPDATE {TABLE} SET answers = :answers, version = version + 1 WHERE id = :id"),  # noqa: S608
            {"answers": answers, "id": row},
        )
    return "Saved"
