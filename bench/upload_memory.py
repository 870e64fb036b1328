"""Memory a few uploads at once take: three people each post a form with five documents
of 9.5 MB (just under the 10 MB limit) at the same moment, to the app under gunicorn
(one worker, four threads, so all three land in one process) on 127.0.0.1, with a
throwaway SQLite database. Bodies are streamed from files, so the client's own memory
does not count. Prints the worker's peak resident memory (VmHWM) before and after.

    .venv/bin/python bench/upload_memory.py
    .venv/bin/python bench/upload_memory.py --people 3 --files 5

Run it on two commits to compare; bench/README.md has what it printed here.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.database import throwaway_database  # noqa: E402
from tests.support.http_client import Client  # noqa: E402
from tests.support.servers import start_live_server, stop_live_server  # noqa: E402

FILE_BYTES = 9_500_000
BOUNDARY = "benchmark-boundary-7c1e"


def multipart(path: Path, token: str, files: list[Path]) -> None:
    """The form as a browser sends it, written to ``path`` in pieces."""
    with path.open("wb") as out:
        for name, value in (("csrf_token", token), ("title", "Upload"), ("action", "draft")):
            out.write(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for number, source in enumerate(files):
            out.write(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="documents"; '
                f'filename="scan-{number}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            )
            with source.open("rb") as data:
                while chunk := data.read(1024 * 1024):
                    out.write(chunk)
            out.write(b"\r\n")
        out.write(f"--{BOUNDARY}--\r\n".encode())


def peak_memory(pid: int) -> int:
    """VmHWM of a process, in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1))


def worker_of(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=3)
    parser.add_argument("--files", type=int, default=5)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    os.environ.pop("DATABASE_URL", None)  # throwaway_database: SQLite unless a test server is named
    sources = []
    for number in range(options.files):
        source = work / f"scan-{number}.pdf"
        source.write_bytes(b"%PDF-1.4\n" + os.urandom(FILE_BYTES - 9))
        sources.append(source)
    with throwaway_database(work, "uploads") as url:
        server = start_live_server(
            database_url=url,
            instance_dir=work,
            env={
                "SECRET_KEY": "benchmark-secret-key",
                "ACCOUNT_FORMS_LIMIT_PER_ADDRESS": "1000 per 15 minutes",
                "REDIS_URL": None,
            },
            workers=1,
        )
        try:
            port = int(server.url.rsplit(":", 1)[1])
            people = []
            for number in range(options.people):
                person = Client(port)
                person.sign_up(url, f"bench-{number}-{time.time_ns()}@example.com")
                person.request("GET", "/your-cpd/new/structured")  # the form's token
                body = work / f"body-{number}.bin"
                multipart(body, person.token, sources)
                people.append((person, body))
            worker = worker_of(server.process.pid)
            before = peak_memory(worker)
            statuses: list[int] = []

            def upload(person: Client, body: Path) -> None:
                """The body streamed from its file, so the client's memory stays flat."""
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
                with body.open("rb") as stream:
                    connection.request(
                        "POST",
                        "/your-cpd/new/structured",
                        body=stream,
                        headers={
                            "Cookie": person.cookie,
                            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                            "Content-Length": str(body.stat().st_size),
                        },
                    )
                    response = connection.getresponse()
                    response.read()
                connection.close()
                statuses.append(response.status)

            started = time.perf_counter()
            threads = [threading.Thread(target=upload, args=pair) for pair in people]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            after = peak_memory(worker)
        finally:
            stop_live_server(server)
    sent = options.people * options.files * FILE_BYTES / 1024 / 1024
    print(f"{options.people} people at once, each {options.files} files of {FILE_BYTES:,} bytes")
    print(f"({sent:.0f} MB in all): responses {sorted(statuses)} in {elapsed:.1f} s")
    print(
        f"worker's peak resident memory: {before / 1024:.0f} MB before, {after / 1024:.0f} MB after"
    )


if __name__ == "__main__":
    main()
