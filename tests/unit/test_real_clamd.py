"""The ClamAV client against a real clamd (Debian's clamav-daemon), started here with a
signature file of our own for the EICAR test string: no signature download is needed.
Skipped only where clamd is not installed (`make test` installs it)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.uploads import scanning
from app.uploads.scanning import ScanResult
from tests.support import sample_files

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"

pytestmark = [
    pytest.mark.skipif(not os.access(CLAMD, os.X_OK), reason="clamd is not installed"),
    # One clamd for the module, on one of make test's two workers.
    pytest.mark.xdist_group("clamd"),
]


@pytest.fixture(scope="module")
def clamd_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("clamd")
    (work / "db").mkdir()
    # An extended signature (.ndb): the EICAR string anywhere in a file.
    (work / "db" / "local.ndb").write_text(f"Local.Test.EICAR:0:*:{sample_files.EICAR.hex()}\n")
    socket_path = work / "clamd.sock"
    (work / "clamd.conf").write_text(
        f"LocalSocket {socket_path}\nDatabaseDirectory {work / 'db'}\nForeground yes\n"
        f"LogFile {work / 'clamd.log'}\nStreamMaxLength 20M\n"
    )
    daemon = subprocess.Popen(
        [CLAMD, f"--config-file={work / 'clamd.conf'}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not socket_path.exists():
        if daemon.poll() is not None or time.monotonic() > deadline:
            daemon.kill()
            log = work / "clamd.log"
            pytest.fail(f"clamd did not start: {log.read_text() if log.exists() else ''}")
        time.sleep(0.05)
    yield str(socket_path)
    daemon.terminate()
    daemon.wait(timeout=10)


def test_a_real_clamd_passes_a_document_and_finds_the_eicar_string(clamd_socket: str) -> None:
    scan = scanning.clamd_scanner(socket_path=clamd_socket, timeout=30)
    assert scan(io.BytesIO(sample_files.pdf())) == ScanResult("clean")
    assert scan(io.BytesIO(sample_files.EICAR)) == ScanResult(
        "infected", "Local.Test.EICAR.UNOFFICIAL"
    )
    # Inside a Word file's zip archive too: clamd unpacks it.
    word = sample_files.zip_of(
        {"[Content_Types].xml": b"<Types/>", "word/x.txt": sample_files.EICAR}
    )
    assert scan(io.BytesIO(word)).status == "infected"


def test_a_file_over_clamds_stream_limit_is_an_error_not_a_pass(
    clamd_socket: str, tmp_path: Path
) -> None:
    scan = scanning.clamd_scanner(socket_path=clamd_socket, timeout=30)
    with (tmp_path / "big.pdf").open("w+b") as big:
        big.write(b"%PDF-1.4\n" + bytes(21 * 1024 * 1024))  # StreamMaxLength is 20 MB
        assert scan(big).status == "error"
