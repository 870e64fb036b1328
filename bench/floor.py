"""How close the cheapest signed-in page (GET /account) comes to a bare Flask app
(bench/bare_app.py, a page of the same size) under the same gunicorn settings
(`--config python:app.gunicorn_conf`, 2 workers x 4 threads), in one run. Issue 13's
target: at least 30 %.

Both servers run at once on 127.0.0.1 (the app in a throwaway SQLite database, signed
in); wrk loads one at a time, in turns (bare, app, app, bare, ...) so that a busy moment
on a shared machine falls on both. Every load is bounded in time and stops by itself.

    .venv/bin/python bench/floor.py                        # 2 rounds of 10 s a server
    .venv/bin/python bench/floor.py --seconds 5 --rounds 3

Needs wrk (Debian package `wrk`). See bench/README.md for what it printed here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from load import run_wrk, start_bench_app

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.database import throwaway_database  # noqa: E402
from tests.support.http_client import Client  # noqa: E402
from tests.support.servers import production_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="each load's length")
    parser.add_argument("--rounds", type=int, default=2, help="loads of each server, in turns")
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    os.environ.pop("TEST_DATABASE_URL", None)  # SQLite: the floor is not about the database
    rps: dict[str, list[float]] = {"bare Flask app": [], "GET /account": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with throwaway_database(work, "floor") as url, production_server(url, work) as server:
            app_port = int(server.url.rsplit(":", 1)[1])
            client = Client(app_port)
            client.sign_up(url)
            status, _text, _headers = client.request("GET", "/account")
            assert status == 200, f"not signed in: GET /account gave {status}"
            bare, bare_port = start_bench_app(work, "bare_app:app")
            try:
                targets = {
                    "bare Flask app": (bare_port, {}),
                    "GET /account": (app_port, {"Cookie": client.cookie}),
                }
                names = list(targets)
                # Warm both up alike first: a just-started server's first load was slower
                # (the bare app's first round ran at a third of its later speed).
                for port, headers in targets.values():
                    run_wrk(port, "GET", ["/account"], [""], headers, 2, work, options.connections)
                for round_number in range(options.rounds):
                    order = names if round_number % 2 == 0 else names[::-1]
                    for name in order:
                        port, headers = targets[name]
                        result = run_wrk(
                            port,
                            "GET",
                            ["/account"],
                            [""],
                            headers,
                            options.seconds,
                            work,
                            options.connections,
                        )
                        assert result["non_2xx"] == 0, f"{name}: {result['non_2xx']} non-2xx"
                        rps[name].append(result["rps"])
                        print(
                            f"round {round_number + 1}  {name:15} {result['rps']:7.0f} req/s  "
                            f"p50 {result['p50_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms",
                            flush=True,
                        )
            finally:
                bare.terminate()
                bare.wait(timeout=15)
    bare_rps = statistics.median(rps["bare Flask app"])
    app_rps = statistics.median(rps["GET /account"])
    # Each round loads the two servers one straight after the other, so a round's own
    # ratio is the least disturbed by a busy spell on a shared machine; the median of
    # the rounds' ratios is the figure to quote, the ratio of medians is shown with it.
    by_round = [
        app / bare for app, bare in zip(rps["GET /account"], rps["bare Flask app"], strict=True)
    ]
    print(
        f"\n{os.cpu_count()} CPUs; wrk -t2 -c{options.connections}, {options.seconds} s a load, "
        f"{options.rounds} rounds; gunicorn 2 workers x 4 threads (app.gunicorn_conf)\n"
        f"bare Flask app  {bare_rps:7.0f} req/s (median)\n"
        f"GET /account    {app_rps:7.0f} req/s (median)\n"
        f"ratio of the medians     {app_rps / bare_rps:7.1%}\n"
        f"each round's ratio       {', '.join(f'{ratio:.1%}' for ratio in by_round)}\n"
        f"median of the rounds'    {statistics.median(by_round):7.1%}  (target: at least 30 %)"
    )


if __name__ == "__main__":
    main()
