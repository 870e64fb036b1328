"""Instructions a request, counted by Valgrind's callgrind in-process (Flask's test client,
production settings, a throwaway SQLite database, no HTTP), for the four requests issue 24
names: GET /account, GET /your-cpd (20 records), GET /your-cpd/new/structured and one
autosave (POST /your-cpd/autosave, ~2 KB of answers). Counts, unlike times, do not move
with the load of a shared machine, so two checkouts can be compared run by run.

Also prints the SQL statements each request sends (counted without Valgrind).

    .venv/bin/python bench/instructions.py                    # this checkout
    .venv/bin/python bench/instructions.py --root /work/main  # another checkout's app/
    .venv/bin/python bench/instructions.py --requests 5       # quicker, a little noisier
    .venv/bin/python bench/instructions.py --only autosave    # one case

How: the child process runs under ``valgrind --tool=callgrind --instr-atstart=no`` (the
app's start-up runs natively) and calls callgrind's client requests through a few lines
of C compiled on the spot (``valgrind/callgrind.h``, Debian's valgrind package): it starts
instrumenting after set-up, sends each case's warm-up requests, then zeroes the counters,
sends ``--requests`` requests and dumps the counts, one dump a case. Needs valgrind and
a C compiler. About a minute a checkout.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
CASES = ("GET /account", "GET /your-cpd", "GET /your-cpd/new/structured", "autosave")
MARK = "@instructions@"
WARM_UP = 3

_CLIENT_REQUESTS = r"""
#include <valgrind/callgrind.h>
void start(void) { CALLGRIND_START_INSTRUMENTATION; }
void zero(void) { CALLGRIND_ZERO_STATS; }
void dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""


def _callgrind_library(work: Path) -> ctypes.CDLL:
    source, library = work / "requests.c", work / "requests.so"
    source.write_text(_CLIENT_REQUESTS)
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", library, source], check=True)
    return ctypes.CDLL(str(library))


def _cases(app_root: Path) -> tuple[dict[str, Callable[[], None]], Any]:
    """Set up the app of ``app_root`` with one signed-in person and 20 records; a function
    a case that sends one request and checks its answer."""
    sys.path.insert(0, str(app_root))
    sys.path.insert(1, str(ROOT))  # tests.conftest, should the other checkout lack it
    sys.path.insert(2, str(HERE))
    from app_in_process import (
        BASE,
        TEXT,
        create_person,
        first_autosave,
        production_app,
        signed_in,
    )

    app = production_app()  # first: the app's settings are read as it is imported
    from sqlmodel import Session

    from app.db import utcnow
    from app.records.models import RECORDED, CpdRecord

    policy = app.extensions["policy"]
    with app.app_context(), Session(app.extensions["db_engine"]) as db:
        user = create_person(app, db, "bench@example.com")
        for number in range(20):
            db.add(
                CpdRecord(
                    owner_id=user.id,
                    form_type="structured",
                    status=RECORDED,
                    title=f"Supervision session {number}",
                    completed_on=policy.today(),
                    answers={"title": f"Supervision session {number}", "what_you_did": TEXT},
                    recorded_at=utcnow(),
                )
            )
        db.commit()
    client = signed_in(app, "bench@example.com")
    headers, answers, record_id = first_autosave(client)

    def get(path: str) -> Callable[[], None]:
        def send() -> None:
            response = client.get(f"{BASE}{path}")
            assert response.status_code == 200, (path, response.status_code)

        return send

    state = {"count": 0, "version": 1}

    def autosave() -> None:
        # Different answers each time, a little longer or shorter as typing makes them,
        # so every autosave writes a new version and charges the storage quota.
        response = client.post(
            f"{BASE}/your-cpd/autosave",
            data={
                **answers,
                "what_you_did": TEXT + " more" * (state["count"] % 5 + 1),
                "record_id": record_id,
                "version": str(state["version"]),
            },
            headers=headers,
        )
        assert response.status_code == 200, response.status_code
        state["count"] += 1
        version = re.search(r'name="version" value="(\d+)"', response.get_data(as_text=True))
        if version:
            state["version"] = int(version.group(1))

    cases = {
        "GET /account": get("/account"),
        "GET /your-cpd": get("/your-cpd"),
        "GET /your-cpd/new/structured": get("/your-cpd/new/structured"),
        "autosave": autosave,
    }
    engine = app.extensions["db_engine"]
    return cases, engine


def child(app_root: Path, requests: int, work: Path, only: list[str]) -> None:
    cases, engine = _cases(app_root)
    cases = {name: send for name, send in cases.items() if not only or name in only}
    from sqlalchemy import event

    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    counted = {}
    for name, send in cases.items():
        for _ in range(WARM_UP):
            send()
        statements[0] = 0
        send()
        counted[name] = statements[0]
    event.remove(engine, "before_cursor_execute", count)
    callgrind = _callgrind_library(work)
    callgrind.start()
    for name, send in cases.items():
        for _ in range(WARM_UP):
            send()
        callgrind.zero()
        for _ in range(requests):
            send()
        callgrind.dump(name.encode())
    print(MARK + json.dumps(counted), flush=True)


def _totals(work: Path) -> dict[str, int]:
    """Each dump's trigger (the case's name) and its total instructions."""
    found = {}
    for path in work.glob("callgrind.out*"):
        text = path.read_text(errors="replace")
        trigger = re.search(r"^desc: Trigger: Client Request: (.*)$", text, re.M)
        total = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        if trigger and total:
            found[trigger.group(1).strip()] = int(total.group(1))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout whose app/ is measured"
    )
    parser.add_argument("--requests", type=int, default=10, help="counted requests a case")
    parser.add_argument(
        "--only", action="append", choices=CASES, default=[], help="measure this case only"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.root.resolve(), options.requests, options.work, options.only)
        return
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", "--dump-line=no",
            f"--callgrind-out-file={work}/callgrind.out.%p",
            sys.executable, __file__, "--child", "--root", str(options.root),
            "--requests", str(options.requests), "--work", str(work),
            *(f"--only={name}" for name in options.only),
        ]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        answers = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
        if done.returncode or not answers:
            sys.exit(f"the measured process failed ({done.returncode}):\n{done.stderr[-3000:]}")
        statements = json.loads(answers[-1][len(MARK) :])
        totals = _totals(work)
    print(f"{options.root}: instructions a request (callgrind, mean of {options.requests})")
    for name in [case for case in CASES if not options.only or case in options.only]:
        per_request = totals[name] / options.requests
        print(f"  {name:30} {per_request / 1e6:7.2f} million   {statements[name]:2} SQL statements")


if __name__ == "__main__":
    main()
