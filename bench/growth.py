"""Does the database grow under requests anyone can send without signing in? The app
under gunicorn (2 workers) on 127.0.0.1, a throwaway SQLite database, rate-limit
counts in that database (no Redis), as `make run` deploys it. Prints the sizes of the
database files (main, -wal, -shm) and the rows of browser_session and
rate_limit_counter before and after each kind of request:

1. anonymous visits: GETs with no cookie of the pages a signed-out person reaches;
2. refused sign-ins: once the network address's allowance is spent, sign-ins for a
   new address each time, then 20 with a 450 KB "email" (issue 19's attack).

    .venv/bin/python bench/growth.py
    .venv/bin/python bench/growth.py --requests 1000

Bounded: --requests (at most 5,000) of each kind, one at a time. bench/README.md has
what it printed.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.database import throwaway_database  # noqa: E402
from tests.support.http_client import Client  # noqa: E402
from tests.support.servers import start_live_server, stop_live_server  # noqa: E402

ANONYMOUS_PATHS = ["/", "/sign-in", "/account", "/your-cpd", "/sign-in/code", "/forgot-password"]
ADDRESS_LIMIT = "5 per 15 minutes"


def sizes(database: Path) -> dict[str, int]:
    files = {"main": database, "-wal": Path(f"{database}-wal"), "-shm": Path(f"{database}-shm")}
    return {name: path.stat().st_size if path.exists() else 0 for name, path in files.items()}


def rows(database: Path) -> dict[str, int]:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("browser_session", "rate_limit_counter")
        }
    finally:
        connection.close()


def report(label: str, database: Path) -> tuple[dict[str, int], dict[str, int]]:
    found, counted = sizes(database), rows(database)
    total = sum(found.values())
    files = ", ".join(f"{name} {size:,}" for name, size in found.items())
    tables = ", ".join(f"{table} {n}" for table, n in counted.items())
    print(f"{label:<34} files {total:>10,} bytes ({files}); rows: {tables}")
    return found, counted


def get_without_cookie(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def sign_in_form(client: Client) -> str:
    _status, page, _headers = client.request("GET", "/sign-in")
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, "the sign-in page has no CSRF token"
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    count = min(parser.parse_args().requests, 5000)
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(Path(tmp), "growth") as url:
        database = Path(url.removeprefix("sqlite:///"))
        server = start_live_server(
            database_url=url,
            instance_dir=Path(tmp),
            env={
                "SECRET_KEY": "growth-benchmark-secret-key",
                "REDIS_URL": None,
                "GUNICORN_ACCESS_LOG": "",
                "SIGN_IN_LIMIT_PER_ADDRESS": ADDRESS_LIMIT,
            },
            workers=2,
        )
        port = int(server.url.rsplit(":", 1)[1])
        try:
            statuses: collections.Counter[int] = collections.Counter()
            report("started", database)

            started = time.monotonic()
            for n in range(count):
                statuses[get_without_cookie(port, ANONYMOUS_PATHS[n % len(ANONYMOUS_PATHS)])] += 1
            seconds = time.monotonic() - started
            report(f"after {count:,} anonymous GETs", database)
            print(f"  answers: {dict(statuses)} in {seconds:.1f} s")

            client = Client(port)
            token = sign_in_form(client)
            for n in range(5):  # the address's allowance: counted, and kept
                client.request(
                    "POST",
                    "/sign-in",
                    {"csrf_token": token, "email": f"a{n}@x.example", "password": "wrong"},
                )
            report("after the allowance (5 sign-ins)", database)

            statuses.clear()
            started = time.monotonic()
            for n in range(count):
                form = {"csrf_token": token, "email": f"p{n}@x.example", "password": "wrong"}
                statuses[client.request("POST", "/sign-in", form)[0]] += 1
            huge = "a" * 450_000 + "@x.example"
            for _ in range(20):
                form = {"csrf_token": token, "email": huge, "password": "wrong"}
                statuses[client.request("POST", "/sign-in", form)[0]] += 1
            seconds = time.monotonic() - started
            report(f"after {count:,} + 20 refused sign-ins", database)
            print(f"  answers: {dict(statuses)} in {seconds:.1f} s")
        finally:
            stop_live_server(server)


if __name__ == "__main__":
    main()
