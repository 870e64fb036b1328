"""In-process time of GET /your-cpd, and of its Ready to renew counts alone, for one
person at each of 20, 300, 1,000 and 5,000 records, in two mixes of the parts of the
standard, with Flask's test client (no HTTP): the page must cost about the same at any
size. Every record is recorded and dated in this registration year, the worst case for
the page (all of them belong on it, a page at a time); every other one has a peer
reflection. The mixes:

- best: every record shows every part (a part's first record answers for it);
- worst: each record shows one part, as a person making records through the form
  does, and one part is shown by nobody (nothing answers for it but every record).

Prints the median milliseconds (wall and this process's CPU) of the page and of Ready to
renew (``renewal.services.status_for``, what the page asks), the HTML bytes, and each
one's ratio to its 20-record time in the same mix.

With ``--compare`` another checkout (e.g. before this work) is measured in the same run:
each checkout is set up in a process of its own, and the processes take turns, a batch
of requests at a time, so that a busy moment on a shared machine falls on both.

    .venv/bin/python bench/your_cpd.py
    .venv/bin/python bench/your_cpd.py --compare /path/to/a/checkout/of/3b5efb2
    .venv/bin/python bench/your_cpd.py --root /path/to/another/checkout   # that one alone
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (20, 300, 1000, 5000)
MIXES = ("best", "worst")
MARK = "@your-cpd@"  # the child's answers, among anything else it prints (logs)
TEXT = ("I reflected on how the Care Act duties shape a proportionate enquiry. " * 8)[:500]


def child(root: Path, cases: list[tuple[int, str]]) -> None:
    """Set up ``root``'s app with a person per case (size and mix), then answer each line
    of stdin (a number of requests) with one JSON line: each case's wall and CPU seconds
    a request of the page and a reading of Ready to renew."""
    sys.path.insert(0, str(root))
    sys.path.insert(1, str(ROOT))  # tests.conftest, should the other checkout lack it
    from app_in_process import BASE, create_person, production_app, signed_in

    app = production_app()  # first: the app's settings are read as it is imported
    from sqlmodel import Session

    from app import dates
    from app.db import utcnow
    from app.records.models import RECORDED, CpdRecord
    from app.renewal import services as renewal_services

    policy = app.extensions["policy"]
    start, end = dates.registration_year_containing(policy.today(), policy)
    days = (min(end, policy.today()) - start).days + 1
    parts = [part.number for part in policy.standard_parts]

    def parts_of(number: int, mix: str) -> list[str]:
        if mix == "best":
            return parts
        return [parts[number % (len(parts) - 1)]]  # the last part: nobody's

    def seed(count: int, mix: str) -> tuple[str, int]:
        email = f"bench-{count}-{mix}@example.com"
        with app.app_context(), Session(app.extensions["db_engine"]) as db:
            user = create_person(app, db, email)
            for number in range(count):
                day = start + dt.timedelta(days=number % days)
                answers = {
                    "title": f"Supervision session {number}",
                    "what_you_did": TEXT,
                    "what_you_learned": TEXT,
                    "peer_reflection": TEXT if number % 2 else "",
                    "standard_parts": parts_of(number, mix),
                    "completed_day": str(day.day),
                    "completed_month": str(day.month),
                    "completed_year": str(day.year),
                }
                record = CpdRecord(
                    owner_id=user.id,
                    form_type="structured",
                    status=RECORDED,
                    answers=answers,
                    completed_on=day,
                    recorded_at=utcnow(),
                )
                db.add(record)
            db.commit()
            return email, int(user.id)

    people = {(size, mix): seed(size, mix) for size, mix in cases}
    clients = {case: signed_in(app, email) for case, (email, _) in people.items()}

    # Ready to renew alone: its statement and the status made from it, in a session
    # kept open (as a request's is), each reading in a transaction of its own. No app
    # context is kept pushed: the test client's requests would share it (and its ``g``,
    # where the signed-in person is remembered).
    db = Session(app.extensions["db_engine"])

    def ready_to_renew(owner_id: int) -> None:
        renewal_services.status_for(db, owner_id=owner_id, policy=policy, today=policy.today())

    for case, client in clients.items():
        # Each client sees its own person's CPD (a check of the benchmark itself).
        page = client.get(f"{BASE}/your-cpd").get_data(as_text=True)
        assert f"You have recorded <strong>{case[0]}</strong>" in page, case
        for _ in range(5):  # warm up: templates compiled, caches filled
            assert client.get(f"{BASE}/your-cpd").status_code == 200
            ready_to_renew(people[case][1])
            db.rollback()
    print(MARK + json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        result = {}
        for (size, mix), client in clients.items():
            owner_id = people[size, mix][1]
            times: dict[str, list[float]] = {"wall": [], "cpu": [], "rwall": [], "rcpu": []}
            for _ in range(int(line)):
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(f"{BASE}/your-cpd")
                times["wall"].append(time.perf_counter() - started)
                times["cpu"].append(time.process_time() - cpu_started)
                assert response.status_code == 200, response.status_code
                started, cpu_started = time.perf_counter(), time.process_time()
                ready_to_renew(owner_id)
                times["rwall"].append(time.perf_counter() - started)
                times["rcpu"].append(time.process_time() - cpu_started)
                db.rollback()
            result[f"{size}:{mix}"] = {**times, "bytes": len(response.get_data())}
        print(MARK + json.dumps(result), flush=True)


def answer(process: subprocess.Popen[str]) -> dict:  # type: ignore[type-arg]
    """The child's next answer, skipping whatever else it printed."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(MARK):
            return dict(json.loads(line[len(MARK) :]))
    raise RuntimeError("the measuring process stopped (its errors are above)")


def parse_cases(text: str) -> list[tuple[int, str]]:
    """ "20:best,1000:worst" (or sizes alone, each in both mixes)."""
    cases = []
    for item in text.split(","):
        size, _, mix = item.partition(":")
        cases += [(int(size), m) for m in ([mix] if mix else MIXES)]
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--compare", type=Path, help="another checkout, measured in turns")
    parser.add_argument(
        "--compare-sizes", default="20", help="its sizes, e.g. 20,1000 (default 20)"
    )
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="this checkout's sizes")
    parser.add_argument("--rounds", type=int, default=6, help="turns of each checkout")
    parser.add_argument("--requests", type=int, default=10, help="requests a case a turn")
    parser.add_argument("--child", nargs="?", const="", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child is not None:
        child(options.root, parse_cases(options.child))
        return

    checkouts = {"this": (options.root, parse_cases(options.sizes))}
    if options.compare:
        checkouts["compared"] = (options.compare, parse_cases(options.compare_sizes))
    processes = {}
    for name, (root, cases) in checkouts.items():
        processes[name] = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--root",
                str(root),
                "--child",
                ",".join(f"{size}:{mix}" for size, mix in cases),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "bench")},
        )
    for process in processes.values():
        assert answer(process).get("ready")
    times: dict[tuple[str, str], dict[str, list[float]]] = {}
    html_bytes: dict[tuple[str, str], int] = {}
    started = os.getloadavg()[0]
    for _ in range(options.rounds):
        for name, process in processes.items():
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(f"{options.requests}\n")
            process.stdin.flush()
            for case, measured in answer(process).items():
                entry = times.setdefault((name, case), {})
                for kind in ("wall", "cpu", "rwall", "rcpu"):
                    entry.setdefault(kind, []).extend(measured[kind])
                html_bytes[name, case] = measured["bytes"]
    for process in processes.values():
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=60)
    medians = {
        key: {kind: statistics.median(values) * 1000 for kind, values in t.items()}
        for key, t in times.items()
    }
    print(
        f"{options.rounds} turns of {options.requests} requests a case; "
        f"load average {started:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    print("ratios are to the 20-record time of the same checkout and mix")
    for (name, case), m in medians.items():
        size, mix = case.split(":")
        root = checkouts[name][0]
        base = medians.get((name, f"20:{mix}"))
        ratio = {
            kind: f"{m[kind] / base[kind]:.2f}x" if base else "  -  "
            for kind in ("wall", "cpu", "rwall", "rcpu")
        }
        print(
            f"{name:8} ({root.name or root}) {mix:5} {int(size):>5} records:"
            f" GET /your-cpd {m['wall']:6.2f} ms {ratio['wall']} (CPU {m['cpu']:6.2f} ms"
            f" {ratio['cpu']}), {html_bytes[name, case]:>7,} B;"
            f" Ready to renew {m['rwall']:5.2f} ms {ratio['rwall']}"
            f" (CPU {m['rcpu']:5.2f} ms {ratio['rcpu']})"
        )


if __name__ == "__main__":
    main()
