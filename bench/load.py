"""Load benchmark: autosave and live-count throughput and latency against the cheapest
authenticated page (the floor), on SQLite and on PostgreSQL, in one run.

Runs the app under gunicorn with the production settings (RECORD_CPD_CONFIG=production,
2 workers x 4 threads, as `make run`) on 127.0.0.1 only, in a throwaway database it
creates and drops. Every load is bounded in time and stops by itself.

    .venv/bin/python bench/load.py                 # both databases, 10 s a load
    .venv/bin/python bench/load.py --database sqlite --seconds 5

Autosave is also measured against its ceiling, a bare Flask app that updates one JSON row
(bench/bare_write.py), flat out and at the same steady rates (100, 200 and 300 a second
unless told), and the two are printed side by side with autosave's share of the ceiling.

Needs wrk (Debian package `wrk`). See bench/README.md for what it printed here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from tests.support.database import throwaway_database  # noqa: E402
from tests.support.http_client import Client  # noqa: E402
from tests.support.servers import free_port, production_server  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DRAFTS = 48  # autosaves spread over this many drafts, shared among the people
# One draft each: a person's page sends one autosave at a time (htmx queues the next),
# and with 24 people to each wrk thread's 8 connections, a person's next save is sent
# 24 requests after their last, so a slow one rarely finds their previous still going
# (with 16 people, 3 drafts each, a slow save could have the person's next sent beside it,
# both waiting on their storage counter's row).
PEOPLE = 48
TEXT = ("I reflected on how the Care Act duties shape a proportionate enquiry. " * 15)[:1000]
# Every other autosave of a draft is this much longer, as when someone types on: the
# stored size changes on every save, so each one also runs the storage counter's
# compare-and-set (with the same answers every time, the save skips it).
MORE = " I will try this on my next visit."


def autosave_form(record_id: str, editor: str, more: str = "") -> dict[str, str]:
    return {
        "form_type": "structured",
        "record_id": record_id,
        "version": "1",
        "editor": editor,
        "title": "Benchmark draft",
        "what_you_did": TEXT,
        "what_you_learned": TEXT + more,
        "standard_parts": "4.3",
    }


@dataclass(frozen=True)
class Slot:
    """One draft of one person: what a request saving it sends."""

    person: int
    draft: int  # the person's first, second... draft
    cookie: str
    token: str
    record_id: str

    def body(self, more: str = "") -> str:
        editor = f"bench-{self.person}-{self.draft}"
        return urllib.parse.urlencode(autosave_form(self.record_id, editor, more))


def in_thread_order(slots: list[Slot], threads: int) -> list[tuple[Slot, str]]:
    """The autosaves in the order wrk_post.lua sends them. wrk's threads each keep to
    one equal slice of the list, so each person's drafts go into one slice (the people
    shared among the threads; one person's drafts shared when there is one), and in a
    slice the people take turns, so a person has about one save on its way at a time.
    Each slice sends every draft once short, then once longer, and again: a draft's
    saves alternate between two sizes."""
    one_person = len({slot.person for slot in slots}) == 1
    slices: list[list[Slot]] = [[] for _ in range(threads)]
    for n, slot in enumerate(slots):
        slices[(n if one_person else slot.person) % threads].append(slot)
    ordered: list[tuple[Slot, str]] = []
    for mine in slices:
        mine.sort(key=lambda slot: (slot.draft, slot.person))
        for more in ("", MORE):
            ordered += [(slot, slot.body(more)) for slot in mine]
    return ordered


def checkpoints() -> int | None:
    """PostgreSQL's checkpoints so far (timed and requested), when the load is on it: a
    checkpoint during a load makes each page's first change after it write the whole
    page to the WAL, which a write-heavy load (the autosave) feels and a read does not."""
    if "TEST_DATABASE_URL" not in os.environ:
        return None
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL.replace("+psycopg", "")) as connection:
        row = connection.execute(
            "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"
        ).fetchone()
    return int(row[0]) if row else None


def run_wrk(
    port: int,
    method: str,
    paths: list[str],
    bodies: list[str],
    headers: dict,
    seconds: int,
    work: Path,
    connections: int,
    senders: list[Slot] | None = None,
) -> dict:
    """wrk flat out; ``senders`` (matching ``paths``) sends each request as its person."""
    (work / "headers.txt").write_text("".join(f"{k}: {v}\n" for k, v in headers.items()))
    (work / "bodies.txt").write_text("\n".join(bodies) + "\n")
    env = {
        **os.environ,
        "BENCH_PATHS": ",".join(paths),
        "BENCH_BODIES": str(work / "bodies.txt"),
        "BENCH_HEADERS": str(work / "headers.txt"),
        "BENCH_METHOD": method,
        "BENCH_THREADS": str(min(2, connections)),
    }
    env.pop("BENCH_AUTH", None)
    if senders:
        (work / "auth.txt").write_text("".join(f"{s.cookie}\t{s.token}\n" for s in senders))
        env["BENCH_AUTH"] = str(work / "auth.txt")
    checkpoints_before = checkpoints()
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(ROOT / "bench" / "wrk_post.lua"),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=seconds + 30,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    if checkpoints_before is not None:
        result["checkpoints"] = (checkpoints() or 0) - checkpoints_before
    return result


def fixed_rate(port: int, rate: int, seconds: int, make_request) -> dict:
    """Open-loop load at a steady rate. Latency counts from when each request was due,
    so a slow server cannot hide queueing (no coordinated omission)."""
    due: queue.Queue = queue.Queue()
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal failures
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while (when := due.get()) is not None:
            method, path, body, headers = make_request()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 300
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            with lock:
                latencies.append(time.perf_counter() - when)
                failures += 0 if ok else 1

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(32)]
    for thread in workers:
        thread.start()
    start = time.perf_counter()
    for i in range(rate * seconds):
        when = start + i / rate
        time.sleep(max(0.0, when - time.perf_counter()))
        due.put(when)
    for _ in workers:
        due.put(None)
    for thread in workers:
        thread.join(timeout=30)
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "failures": failures,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
        "achieved_rps": len(ordered) / (time.perf_counter() - start),
    }


def sign_up_with_drafts(port: int, url: str, people: int) -> list[Slot]:
    """``people`` accounts, each signed in with its own session, sharing DRAFTS drafts
    (each made by its person's first autosave)."""
    slots = []
    for person in range(people):
        client = Client(port)
        client.sign_up(url, f"bench-{person}-{time.time_ns()}@example.com")
        for draft in range(DRAFTS // people):
            status, _text, headers = client.request(
                "POST",
                "/your-cpd/autosave",
                autosave_form("", f"bench-{person}-{draft}"),
                client.htmx_headers(),
            )
            assert status == 200, status
            record_id = headers["HX-Replace-Url"].split("/")[2]
            slots.append(Slot(person, draft, client.cookie, client.token, record_id))
    return slots


def bench_database(
    label: str, seconds: int, rates: list[int], connections: int, people: int
) -> dict:
    # The live counts are rate-limited per person; this measures throughput, not that.
    os.environ["RECORD_CPD_POLICY"] = str(ROOT / "bench" / "load-policy.toml")
    if label == "postgresql":
        os.environ["TEST_DATABASE_URL"] = POSTGRES_ADMIN_URL
    else:
        os.environ.pop("TEST_DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with (
            throwaway_database(work, "bench") as url,
            production_server(url, work) as server,
        ):
            port = int(server.url.rsplit(":", 1)[1])
            threads = min(2, connections)
            slots = sign_up_with_drafts(port, url, people)
            sent = in_thread_order(slots, threads)
            senders = [slot for slot, _body in sent]
            autosave_bodies = [body for _slot, body in sent]
            htmx = {"HX-Request": "true"}
            form_headers = {**htmx, "Content-Type": "application/x-www-form-urlencoded"}
            count_body = urllib.parse.urlencode({"what_you_learned": TEXT * 2})
            results = {
                "floor (GET /account)": run_wrk(
                    port,
                    "GET",
                    ["/account"] * len(sent),
                    [""] * len(sent),
                    {},
                    seconds,
                    work,
                    connections,
                    senders,
                ),
                "autosave": run_wrk(
                    port,
                    "POST",
                    ["/your-cpd/autosave"] * len(sent),
                    autosave_bodies,
                    form_headers,
                    seconds,
                    work,
                    connections,
                    senders,
                ),
                "count": run_wrk(
                    port,
                    "POST",
                    ["/your-cpd/count/what_you_learned"] * len(sent),
                    [count_body] * len(sent),
                    form_headers,
                    seconds,
                    work,
                    connections,
                    senders,
                ),
            }
            counter = iter(range(10**9))

            def as_sender(slot: Slot) -> dict[str, str]:
                return {**form_headers, "Cookie": slot.cookie, "X-CSRFToken": slot.token}

            def autosave_request():
                slot, body = sent[next(counter) % len(sent)]
                return "POST", "/your-cpd/autosave", body, as_sender(slot)

            def count_request():
                slot = senders[next(counter) % len(sent)]
                return "POST", "/your-cpd/count/what_you_learned", count_body, as_sender(slot)

            for each in rates:
                results[f"autosave at {each}/s"] = fixed_rate(port, each, seconds, autosave_request)
                results[f"count at {each}/s"] = fixed_rate(port, each, seconds, count_request)
            # The ceiling: the same bodies to a bare app that only updates one JSON row
            # (bench/bare_write.py), in the same database, under the same gunicorn, flat
            # out and at the same rates (after the app's server has stopped taking load).
            results.update(bare_write_load(url, work, autosave_bodies, seconds, connections, rates))
    return results


def start_bench_app(
    work: Path, target: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """A WSGI app of bench/ (``module:app``) under the app's own gunicorn settings and
    worker count, on a free port; returns once it answers any HTTP request."""
    port = free_port()
    log_path = work / f"{target.split(':')[0]}.log"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "python:app.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--pythonpath",
            f"{ROOT / 'bench'},{ROOT}",
            target,
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(log_path.read_text()) from None
            time.sleep(0.2)


def bare_write_load(
    url: str, work: Path, bodies: list[str], seconds: int, connections: int, rates: list[int]
) -> dict:
    """bench/bare_write.py with the autosaves' bodies: flat out, as wrk measured it, and
    at each steady rate, as ``fixed_rate`` measured it."""
    import bare_write
    from sqlalchemy import create_engine

    engine = create_engine(url)
    bare_write.create_rows(engine)
    engine.dispose()
    process, port = start_bench_app(work, "bare_write:app", env={"BARE_WRITE_DATABASE_URL": url})
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        paths = ["/your-cpd/autosave"] * len(bodies)
        results = {
            "bare write (ceiling)": run_wrk(
                port, "POST", paths, bodies, headers, seconds, work, connections
            )
        }
        counter = iter(range(10**9))

        def bare_request():
            return "POST", "/your-cpd/autosave", bodies[next(counter) % len(bodies)], headers

        for each in rates:
            results[f"bare write at {each}/s"] = fixed_rate(port, each, seconds, bare_request)
        return results
    finally:
        process.terminate()
        process.wait(timeout=30)


def report(label: str, results: dict) -> None:
    floor = results["floor (GET /account)"]["rps"]
    print(f"\n== {label}")
    print(
        f"{'load':28} {'req/s':>8} {'vs floor':>9} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'non-2xx':>8}"
    )
    for name, r in results.items():
        if "rps" in r:
            during = f"  {r['checkpoints']} checkpoint(s) during it" if r.get("checkpoints") else ""
            print(
                f"{name:28} {r['rps']:8.0f} {r['rps'] / floor:9.2f} {r['p50_ms']:8.1f} "
                f"{r['p95_ms']:8.1f} {r['p99_ms']:8.1f} {r['non_2xx']:8d}{during}"
            )
        else:
            print(
                f"{name:28} {r['achieved_rps']:8.0f} {'':>9} {r['p50_ms']:8.1f} "
                f"{r['p95_ms']:8.1f} {'':>8} {r['failures']:8d}"
            )
    if "bare write (ceiling)" in results:
        ceiling = results["bare write (ceiling)"]["rps"]
        print(
            f"autosave flat out / bare write flat out: "
            f"{results['autosave']['rps'] / ceiling:.2f} ({results['autosave']['rps']:.0f} "
            f"against {ceiling:.0f} req/s)"
        )
        print(
            f"{'autosave beside the ceiling':28} {'autosave req/s':>15} {'p50':>7} {'p95':>7}"
            f" {'bare req/s':>11} {'p50':>7} {'p95':>7} {'ratio':>6}"
        )
        loads = [("flat out", "autosave", "bare write (ceiling)")] + [
            (name.removeprefix("autosave "), name, name.replace("autosave", "bare write"))
            for name in results
            if name.startswith("autosave at ")
        ]
        for label, mine, bare in loads:
            a, b = results[mine], results[bare]
            a_rps, b_rps = a.get("rps", a.get("achieved_rps")), b.get("rps", b.get("achieved_rps"))
            print(
                f"{label:28} {a_rps:15.0f} {a['p50_ms']:7.1f} {a['p95_ms']:7.1f}"
                f" {b_rps:11.0f} {b['p50_ms']:7.1f} {b['p95_ms']:7.1f} {a_rps / b_rps:6.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--rates", default="100,200,300", help="steady request rates to measure latency at"
    )
    parser.add_argument(
        "--connections", type=int, default=16, help="wrk's open connections, flat out"
    )
    parser.add_argument(
        "--people",
        type=int,
        default=PEOPLE,
        help=f"accounts saving at once (1, or a divisor of {DRAFTS} that is even); "
        "1 is one person saving 16 pages at once, the shape of the figures before 4 December's "
        "fourth session",
    )
    options = parser.parse_args()
    if options.people != 1 and (DRAFTS % options.people or options.people % 2):
        parser.error(f"--people must be 1, or an even divisor of {DRAFTS}")
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    print(
        f"{os.cpu_count()} CPUs; wrk -t2 -c{options.connections} for {options.seconds} s a load; "
        f"{options.people} people saving {DRAFTS} drafts; "
        f"gunicorn 2 workers x 4 threads; load average {load_average()} at the start"
    )
    labels = ["sqlite", "postgresql"] if options.database == "both" else [options.database]
    for label in labels:
        rates = [int(rate) for rate in options.rates.split(",")]
        report(
            label,
            bench_database(label, options.seconds, rates, options.connections, options.people),
        )
    print(f"load average {load_average()} at the end")


def load_average() -> str:
    return ", ".join(f"{each:.2f}" for each in os.getloadavg())


if __name__ == "__main__":
    main()
