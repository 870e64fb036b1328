"""Round trips one autosave and one live count make to PostgreSQL, in-process (Flask's
test client, production settings, a throwaway database on the local server, rate-limit
counts in that database as without Redis): libpq's protocol trace of every connection
checked out (the app's engine and the rate-limit counter's) during 10 of each, counting
each Sync (the end of one extended-protocol statement) and each simple Query (BEGIN,
COMMIT, ROLLBACK, the pool's pre-ping ";"), and the statements of the last one.

    .venv/bin/python bench/pg_round_trips.py                  # this checkout
    .venv/bin/python bench/pg_round_trips.py --root /path/to/another/checkout
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TIMES = 10


def measure(root: Path, url: str, work: Path) -> None:
    sys.path.insert(0, str(root))
    sys.path.insert(1, str(HERE.parent))
    sys.path.insert(2, str(HERE))
    os.environ.update(
        RECORD_CPD_CONFIG="production",
        MAIL_BACKEND="smtp",
        TWO_STEP_KEYS="ab" * 32,
        DATABASE_URL=url,
        RECORD_CPD_INSTANCE_DIR=str(work),
        SECRET_KEY="benchmark-secret-key-9c4e1a7f3b8d2c6e0a5f9b3d7e1c4a8f",
        PUBLIC_BASE_URL="https://localhost",
    )
    os.environ.pop("REDIS_URL", None)
    import app_in_process
    from alembic import command
    from sqlmodel import Session

    from app import create_app
    from app.cli import alembic_config
    from app.extensions import limiter

    app = create_app()
    print(f"{root}:")
    command.upgrade(alembic_config(url), "head")
    engine = app.extensions["db_engine"]
    try:
        with app.app_context(), Session(engine) as db:
            app_in_process.create_person(app, db, "bench@example.com")
        client = app_in_process.signed_in(app, "bench@example.com")
        headers, answers, record_id = app_in_process.first_autosave(client)

        def send(more: int) -> None:
            data = {
                **answers,
                "what_you_did": app_in_process.TEXT + " more" * more,
                "record_id": record_id,
                "version": "1",
            }
            response = client.post(
                f"{app_in_process.BASE}/your-cpd/autosave", data=data, headers=headers
            )
            assert response.status_code == 200, response.status_code

        def count(_n: int) -> None:
            response = client.post(
                f"{app_in_process.BASE}/your-cpd/count/what_you_did",
                data={"what_you_did": app_in_process.TEXT},
                headers=headers,
            )
            assert response.status_code == 200, response.status_code

        engines = [engine]
        counter_engine = getattr(limiter.storage, "engine", None)
        if counter_engine is not None:
            engines.append(counter_engine)
        for more in range(5):
            send(more)
            count(more)
        trace_round_trips(work, engines, "an autosave", lambda n: send(5 + n))
        trace_round_trips(work, engines, "a live count", count)
    finally:
        engine.dispose()


def trace_round_trips(work: Path, engines: list[Any], what: str, action: Any) -> None:
    """Print the round trips ``action`` makes, mean of TIMES, and the last one's."""
    from sqlalchemy import event

    trace_path = work / "trace.txt"
    with trace_path.open("w") as trace:

        def traced(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            dbapi_connection.pgconn.trace(trace.fileno())

        for engine in engines:
            event.listen(engine, "checkout", traced)
        for n in range(TIMES):
            action(n)
        for engine in engines:
            event.remove(engine, "checkout", traced)
    sent = [line.split("\t") for line in trace_path.read_text().splitlines()]
    sent = [parts for parts in sent if len(parts) > 3 and parts[1] == "F"]
    kinds = collections.Counter(parts[3] for parts in sent)
    trips = (kinds["Sync"] + kinds["Query"]) / TIMES
    print(f"{trips:.1f} round trips {what} (mean of {TIMES})")
    # The last one's round trips (psycopg prepares a statement it has run five times:
    # then no Parse is sent, only Bind/Execute/Sync, so name each by kind).
    trips_sent = [parts for parts in sent if parts[3] in ("Query", "Parse", "Sync")]
    last = round(trips)
    shown = [p[-1][:70] if p[3] != "Sync" else "(a statement prepared before)" for p in trips_sent]
    # A Parse is followed by its own Sync: one line for the pair.
    lines: list[tuple[str, str]] = []
    for kind, text in zip([p[3] for p in trips_sent], shown, strict=True):
        if kind == "Sync" and lines and lines[-1][0] == "Parse":
            lines[-1] = ("Sync", lines[-1][1])
            continue
        lines.append((kind, text))
    for _kind, statement in lines[-last:]:
        print(f"  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=HERE.parent)
    options = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from tests.support.database import empty_postgres_database

    with (
        empty_postgres_database(ADMIN_URL, "trips") as url,
        tempfile.TemporaryDirectory() as work,
    ):
        measure(options.root.resolve(), url, Path(work))


if __name__ == "__main__":
    main()
