"""Memory and time an import of "Download all your CPD" takes, for the files an
attacker with an ordinary account would send (issue 19):

- ``million``: a ZIP of about 2 KB whose records.json lists 1,000,000 unreadable
  records (before the bounds: 19.5 s, about 1 GB more in the worker, a 92 MB page);
- ``unreadable``: records.json listing 1,999 unreadable records (just under the
  policy's record limit, so it is parsed and every record looked at);
- ``largest``: a ZIP at the policy's ``max_import_bytes`` (200 MB), records each
  holding ten documents of 1 MB of random bytes (text files), refused at the end for
  the storage quota;
- ``export``: a real export of 60 records with a document each, imported whole.

Each case runs in a child process of its own (the app in-process, a throwaway SQLite
database), which prints its peak resident memory (VmHWM) before and after the import,
the time the import took and the size of the page it answered.

    .venv/bin/python bench/import_memory.py            # every case
    .venv/bin/python bench/import_memory.py million    # one case
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = ("million", "unreadable", "largest", "export")


def _peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _zip_file(path: Path, entries: dict[str, bytes], *, compress: bool = True) -> None:
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def _export(records: list) -> bytes:
    return json.dumps({"format": "record-cpd-export", "version": 1, "records": records}).encode()


def make_file(case: str, folder: Path, policy) -> Path:  # noqa: ANN001
    path = folder / f"{case}.zip"
    if case == "million":
        listing = b"[" + b",".join([b"{}"] * 1_000_000) + b"]"
        head = b'{"format": "record-cpd-export", "version": 1, "records": '
        _zip_file(path, {"records.json": head + listing + b"}"})
    elif case == "unreadable":
        _zip_file(path, {"records.json": _export([7] * (policy.max_records_per_account - 1))})
    elif case == "largest":
        documents_per_record, size = 10, 1024 * 1024
        count = policy.max_import_bytes // (documents_per_record * size) - 1
        records, entries = [], {}
        for number in range(1, count + 1):
            documents = []
            for index in range(1, documents_per_record + 1):
                document_id = number * 100 + index
                name = f"documents/{document_id}/notes.txt"
                entries[name] = os.urandom(size // 2).hex().encode()[:size]
                documents.append({"id": document_id, "filename": "notes.txt", "path": name})
            records.append(
                {
                    "form_type": "unstructured",
                    "status": "draft",
                    "answers": {
                        "title": f"Record {number}",
                        "documents": [{"id": d["id"], "explanation": ""} for d in documents],
                    },
                    "documents": documents,
                }
            )
        _zip_file(path, {"records.json": _export(records), **entries}, compress=False)
    else:
        from tests.support import sample_files

        records, entries = [], {}
        for number in range(1, 61):
            name = f"documents/{number}/notes.pdf"
            entries[name] = sample_files.pdf(f"Notes from supervision {number}")
            records.append(
                {
                    "form_type": "unstructured",
                    "status": "draft",
                    "answers": {
                        "title": f"Draft {number}",
                        "description": "What I learned from supervision. " * 30,
                        "standard_parts": ["4.2"],
                        "documents": [{"id": number, "explanation": "Notes"}],
                    },
                    "documents": [{"id": number, "filename": "notes.pdf", "path": name}],
                }
            )
        _zip_file(path, {"records.json": _export(records), **entries})
    return path


def _token(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert found, "no CSRF token"
    return found.group(1)


def child(case: str, path: Path) -> None:
    from app import create_app
    from app.auth import services
    from tests.support.database import throwaway_database

    with (
        tempfile.TemporaryDirectory() as folder,
        throwaway_database(Path(folder), "import") as url,
    ):
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_URL": url,
                "SECRET_KEY": "import-memory-bench",
                "SECRET_KEY_FILE": Path(folder) / "secret_key",
                "RATELIMIT_STORAGE_URI": "memory://",
                "MAIL_BACKEND": "log",
                "PUBLIC_BASE_URL": "http://localhost",
            }
        )
        policy = app.extensions["policy"]
        from sqlmodel import Session

        with Session(app.extensions["db_engine"]) as db:
            services.create_account(
                db=db,
                policy=policy,
                full_name="Bench Importer",
                email="bench@example.com",
                registration_number=None,
                password="import memory bench password",
            )
        client = app.test_client()
        signed_in = client.post(
            "/sign-in",
            data={
                "csrf_token": _token(client.get("/sign-in").get_data(as_text=True)),
                "email": "bench@example.com",
                "password": "import memory bench password",
            },
        )
        assert signed_in.status_code == 302, signed_in.status_code
        token = _token(client.get("/your-cpd/import").get_data(as_text=True))
        before = _peak_kb()
        started = time.perf_counter()
        with path.open("rb") as upload:
            response = client.post(
                "/your-cpd/import",
                data={"csrf_token": token, "export": (upload, "your-cpd.zip")},
                content_type="multipart/form-data",
            )
        took = time.perf_counter() - started
        page = response.get_data()
        print(
            f"{case:<10} file {path.stat().st_size:>11,} B  answered {response.status_code}"
            f" in {took:6.2f} s  page {len(page):>7,} B  peak RSS {before / 1024:6.1f} MB"
            f" -> {_peak_kb() / 1024:6.1f} MB (+{(_peak_kb() - before) / 1024:.1f} MB)"
        )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
        return
    from app.policy import load_policy

    cases = sys.argv[1:] or list(CASES)
    with tempfile.TemporaryDirectory() as folder:
        for case in cases:
            # Made here, so the child's memory is the import's alone.
            path = make_file(case, Path(folder), load_policy())
            subprocess.run(
                [sys.executable, __file__, "--child", case, str(path)],
                check=True,
                cwd=ROOT,
                timeout=900,
            )
            path.unlink()


if __name__ == "__main__":
    main()
