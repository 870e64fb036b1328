"""In-process time of GET /your-cpd for one person with 20 records and one with 1,000,
with Flask's test client (no HTTP): the page must cost about the same at any size.
Every record is recorded and dated in this registration year, the worst case for the
page (all of them belong on it, a page at a time); every other one has a peer
reflection. Prints the median milliseconds (wall and this process's CPU), the HTML
bytes and the ratios.

With ``--compare`` another checkout (e.g. the original, before issue 13) is measured in
the same run: each checkout is set up in a process of its own, and the processes take
turns, a batch of requests at a time, so that a busy moment on a shared machine falls
on both.

    .venv/bin/python bench/your_cpd.py
    .venv/bin/python bench/your_cpd.py --compare /path/to/a/checkout/of/864085f
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
SIZES = (20, 1000)
MARK = "@your-cpd@"  # the child's answers, among anything else it prints (logs)
TEXT = ("I reflected on how the Care Act duties shape a proportionate enquiry. " * 8)[:500]


def child(root: Path, sizes: list[int]) -> None:
    """Set up ``root``'s app with a person per size, then answer each line of stdin (a
    number of requests) with one JSON line: each size's wall and CPU seconds a request."""
    sys.path.insert(0, str(root))
    sys.path.insert(1, str(ROOT))  # tests.conftest, should the other checkout lack it
    from app_in_process import BASE, create_person, production_app, signed_in

    app = production_app()  # first: the app's settings are read as it is imported
    from sqlmodel import Session

    from app.cpd import rules
    from app.cpd.models import RECORDED, CpdRecord
    from app.db import utcnow

    policy = app.extensions["policy"]
    start, end = rules.registration_year_containing(policy.today(), policy)
    days = (min(end, policy.today()) - start).days + 1
    parts = [part.number for part in policy.standard_parts]

    def seed(count: int) -> str:
        email = f"bench-{count}@example.com"
        with app.app_context(), Session(app.extensions["db_engine"]) as db:
            user = create_person(app, db, email)
            for number in range(count):
                day = start + dt.timedelta(days=number % days)
                answers = {
                    "title": f"Supervision session {number}",
                    "what_you_did": TEXT,
                    "what_you_learned": TEXT,
                    "peer_reflection": TEXT if number % 2 else "",
                    "standard_parts": parts[number % len(parts) :][:2],
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
        return email

    clients = {size: signed_in(app, seed(size)) for size in sizes}
    for client in clients.values():
        for _ in range(5):  # warm up: templates compiled, caches filled
            assert client.get(f"{BASE}/your-cpd").status_code == 200
    print(MARK + json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        result = {}
        for size, client in clients.items():
            walls, cpus = [], []
            for _ in range(int(line)):
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(f"{BASE}/your-cpd")
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu_started)
                assert response.status_code == 200, response.status_code
            result[size] = {"wall": walls, "cpu": cpus, "bytes": len(response.get_data())}
        print(MARK + json.dumps(result), flush=True)


def answer(process: subprocess.Popen[str]) -> dict:  # type: ignore[type-arg]
    """The child's next answer, skipping whatever else it printed."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(MARK):
            return dict(json.loads(line[len(MARK) :]))
    raise RuntimeError("the measuring process stopped (its errors are above)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--compare", type=Path, help="another checkout, measured in turns")
    parser.add_argument(
        "--compare-sizes", default="20", help="its sizes, e.g. 20,1000 (default 20)"
    )
    parser.add_argument("--rounds", type=int, default=6, help="turns of each checkout")
    parser.add_argument("--requests", type=int, default=10, help="requests a size a turn")
    parser.add_argument("--child", nargs="?", const="", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child is not None:
        child(options.root, [int(size) for size in options.child.split(",")])
        return

    checkouts = {"this": (options.root, list(SIZES))}
    if options.compare:
        checkouts["compared"] = (
            options.compare,
            [int(size) for size in options.compare_sizes.split(",")],
        )
    processes = {}
    for name, (root, sizes) in checkouts.items():
        processes[name] = subprocess.Popen(
            [sys.executable, __file__, "--root", str(root), "--child", ",".join(map(str, sizes))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "bench")},
        )
    for process in processes.values():
        assert answer(process).get("ready")
    times: dict[tuple[str, int], dict[str, list[float]]] = {}
    sizes_bytes: dict[tuple[str, int], int] = {}
    started = os.getloadavg()[0]
    for _ in range(options.rounds):
        for name, process in processes.items():
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(f"{options.requests}\n")
            process.stdin.flush()
            for size, measured in answer(process).items():
                key = (name, int(size))
                entry = times.setdefault(key, {"wall": [], "cpu": []})
                entry["wall"] += measured["wall"]
                entry["cpu"] += measured["cpu"]
                sizes_bytes[key] = measured["bytes"]
    for process in processes.values():
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)
    medians = {
        key: (statistics.median(t["wall"]) * 1000, statistics.median(t["cpu"]) * 1000)
        for key, t in times.items()
    }
    print(
        f"{options.rounds} turns of {options.requests} requests a size; "
        f"load average {started:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    for (name, size), (wall, cpu) in medians.items():
        root = checkouts[name][0]
        print(
            f"{name:8} ({root.name or root}) GET /your-cpd with {size:>5} records: "
            f"{wall:7.1f} ms (CPU {cpu:6.1f} ms), {sizes_bytes[name, size]:>9,} bytes of HTML"
        )
    for kind, index in (("wall", 0), ("CPU", 1)):
        small, large = medians["this", SIZES[0]][index], medians["this", SIZES[1]][index]
        line = f"{kind}: this {SIZES[1]} / {SIZES[0]} records {large / small:.2f}"
        if ("compared", SIZES[0]) in medians:
            compared = medians["compared", SIZES[0]][index]
            line += f"; compared / this at {SIZES[0]} records {compared / small:.2f}"
        print(line)


if __name__ == "__main__":
    main()
