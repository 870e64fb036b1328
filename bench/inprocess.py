"""In-process cost of one autosave against the floor (GET /account), with Flask's test
client: no HTTP, no concurrency, so no waiting for locks. One SQLite database in a
temporary directory, production settings. Prints milliseconds a request, and with
--profile the 30 most expensive calls of the autosaves.

    .venv/bin/python bench/inprocess.py
    .venv/bin/python bench/inprocess.py --profile
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app_in_process import (  # noqa: E402
    BASE,
    create_person,
    first_autosave,
    production_app,
    signed_in,
)

REQUESTS = 300
BATCHES = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--profile",
        nargs="?",
        const="autosave",
        choices=["autosave", "floor"],
        help="profile the autosaves (the default) or the floor",
    )
    parser.add_argument("--lines", type=int, default=30, help="how many calls to print")
    options = parser.parse_args()
    app = production_app()  # first: the app's settings are read as it is imported
    from sqlmodel import Session

    with app.app_context(), Session(app.extensions["db_engine"]) as db:
        create_person(app, db, "bench@example.com")
    client = signed_in(app, "bench@example.com")
    headers, answers, record_id = first_autosave(client)

    def autosave(count: int) -> None:
        for _ in range(count):
            response = client.post(
                f"{BASE}/your-cpd/autosave",
                data={**answers, "record_id": record_id, "version": "1"},
                headers=headers,
            )
            assert response.status_code == 200, response.status_code

    def floor(count: int) -> None:
        for _ in range(count):
            assert client.get(f"{BASE}/account").status_code == 200

    for name, run in (("floor (GET /account)", floor), ("autosave", autosave)):
        run(20)  # warm up
        # The machine is shared: the fastest of a few batches is the least disturbed, and
        # CPU time counts only this process's own work.
        walls, cpus = [], []
        for _ in range(BATCHES):
            started, cpu_started = time.perf_counter(), time.process_time()
            run(REQUESTS // BATCHES)
            walls.append((time.perf_counter() - started) / (REQUESTS // BATCHES) * 1000)
            cpus.append((time.process_time() - cpu_started) / (REQUESTS // BATCHES) * 1000)
        print(
            f"{name:22} {min(walls):.2f} ms a request "
            f"(CPU {min(cpus):.2f} ms; slowest batch {max(walls):.2f} ms)"
        )
    if options.profile:
        profiler = cProfile.Profile()
        profiler.runcall(floor if options.profile == "floor" else autosave, REQUESTS)
        stats = pstats.Stats(profiler)
        if os.environ.get("PROFILE_OUT"):
            stats.dump_stats(os.environ["PROFILE_OUT"])
        stats.sort_stats("cumulative").print_stats(options.lines)


if __name__ == "__main__":
    main()
