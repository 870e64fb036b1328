"""What Ready to renew's counts cost as records grow, and what is fixed: the SQL of each
of its four counts alone (SQLite, the app's own statement with the values written in),
then ``renewal.services.status_for`` whole (building the statement, the session's
transaction, the counts), for one person at 20, 1,000 and 5,000 records, every one
recorded and dated in this registration year, every other one with a peer reflection
(as ``bench/your_cpd.py`` seeds them).

    .venv/bin/python bench/renewal_counts.py
    .venv/bin/python bench/renewal_counts.py --root /path/to/another/checkout

Prints microseconds: the best of 5 batches of 100 for each count's SQL (wall) and their
sum, and this process's CPU time a ``status_for`` (mean of 500)."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
SIZES = (20, 1000, 5000)
# The statement's four counts. The first is the year's recorded CPD, or (since
# ``counts_statement`` reads each of the year's entries once) those of it without a peer
# reflection; what each counted is printed in brackets.
NAMES = ("count 1", "count 2", "count 3", "count 4")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    root = parser.parse_args().root.resolve()
    sys.path.insert(0, str(root))
    sys.path.insert(1, str(ROOT))
    sys.path.insert(2, str(HERE))
    from app_in_process import create_person, production_app

    app = production_app()
    from sqlmodel import Session

    from app import dates
    from app.db import utcnow
    from app.records.models import RECORDED, CpdRecord
    from app.renewal import services
    from app.renewal.rules import renewal_year

    policy = app.extensions["policy"]
    engine = app.extensions["db_engine"]
    start, end = dates.registration_year_containing(policy.today(), policy)
    days = (min(end, policy.today()) - start).days + 1
    owners = {}
    with app.app_context(), Session(engine) as db:
        for size in SIZES:
            user = create_person(app, db, f"counts-{size}@example.com")
            for number in range(size):
                day = start + dt.timedelta(days=number % days)
                answers = {"title": f"CPD {number}", "peer_reflection": "Yes" if number % 2 else ""}
                db.add(
                    CpdRecord(
                        owner_id=user.id,
                        form_type="structured",
                        status=RECORDED,
                        answers=answers,
                        completed_on=day,
                        recorded_at=utcnow(),
                    )
                )
            db.commit()
            owners[size] = int(user.id)

    year = renewal_year(policy.today(), policy)
    print(f"{root}: Ready to renew's counts (microseconds)")
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        for size, owner in owners.items():
            statement = services.counts_statement(owner_id=owner, year=year, policy=policy)
            sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
            counts = re.findall(r"\(SELECT (count\(\*\) AS count_\d .*?)\) AS anon", sql, re.S)
            assert len(counts) == len(NAMES), sql
            line, total = [], 0.0
            for name, count in zip(NAMES, counts, strict=True):
                query = "SELECT " + count
                for _ in range(20):
                    raw.execute(query).fetchall()
                best = float("inf")
                for _ in range(5):
                    started = time.perf_counter()
                    for _ in range(100):
                        (found,) = raw.execute(query).fetchone()
                    best = min(best, (time.perf_counter() - started) / 100)
                line.append(f"{name} {best * 1e6:5.1f} ({found:,})")
                total += best
            db = Session(engine)
            for _ in range(50):
                services.status_for(db, owner_id=owner, policy=policy, today=policy.today())
                db.rollback()
            started = time.process_time()
            for _ in range(500):
                services.status_for(db, owner_id=owner, policy=policy, today=policy.today())
                db.rollback()
            whole = (time.process_time() - started) / 500
            db.close()
            print(
                f"  {size:5} records: SQL " + ", ".join(line)
                + f"; sum {total * 1e6:5.0f}; status_for {whole * 1e6:5.0f}"
            )  # fmt: skip


if __name__ == "__main__":
    main()
