"""The text of a document, for the anonymisation check, read in a child process
(app/uploads/reader.py) under a hard budget: address space and CPU time limited by
setrlimit, and killed after a wall-clock timeout. No file can hold a worker for longer
than the policy's ``document_read_seconds``, or take more than
``document_read_memory_bytes``.

A document whose text could not be read says why (``DocumentText.status``); the form
says so, so such a document is never shown as if nothing was found in it."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.uploads.sniffing import DOCX, ODT, PDF, TEXT

# The most text read out of one document for the anonymisation check.
MAX_TEXT_CHARACTERS = 200_000
# The most bytes read from one archive entry while looking for text.
MAX_EXTRACT_BYTES = 8 * 1024 * 1024

READ = "read"
UNREADABLE = "unreadable"
TIMED_OUT = "timed out"
OUT_OF_MEMORY = "out of memory"
IMAGE = "image"

# Why a document's text was not checked, as the form says it.
NOT_READ_BECAUSE = {
    UNREADABLE: "its text could not be read",
    TIMED_OUT: "it took too long to read",
    OUT_OF_MEMORY: "it was too big to read",
    IMAGE: "the text in pictures is not read",
}

READER = Path(__file__).with_name("reader.py")
READABLE = (PDF, DOCX, ODT, TEXT)


@dataclass(frozen=True)
class DocumentText:
    status: str  # READ, or why not: UNREADABLE, TIMED_OUT, OUT_OF_MEMORY, IMAGE
    text: str = ""

    @property
    def read(self) -> bool:
        return self.status == READ


def read_text(
    kind: str, source: BinaryIO, *, seconds: float, memory_bytes: int, max_bytes: int
) -> DocumentText:
    """The text of the document in ``source`` (a real, unbuffered file: its descriptor
    becomes the child's stdin), read within ``seconds`` and ``memory_bytes``."""
    if kind not in READABLE:
        return DocumentText(IMAGE)
    source.seek(0)
    os.lseek(source.fileno(), 0, os.SEEK_SET)  # where the child starts reading
    command = [
        sys.executable,
        "-I",  # isolated: no environment, no user site, not the working directory
        str(READER),
        kind,
        str(math.ceil(seconds)),
        str(memory_bytes),
        str(max_bytes),
        str(MAX_EXTRACT_BYTES),
        str(MAX_TEXT_CHARACTERS),
    ]
    try:
        finished = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            command, stdin=source, capture_output=True, timeout=seconds, check=False
        )
    except subprocess.TimeoutExpired:
        return DocumentText(TIMED_OUT)
    if finished.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return DocumentText(TIMED_OUT)
    if finished.returncode != 0 and b"MemoryError" in finished.stderr[-2000:]:
        return DocumentText(OUT_OF_MEMORY)
    try:
        answer = json.loads(finished.stdout)
        status = str(answer["status"])
    except (ValueError, KeyError, TypeError):
        return DocumentText(UNREADABLE)
    if status != READ:
        return DocumentText(status if status in NOT_READ_BECAUSE else UNREADABLE)
    return DocumentText(READ, str(answer.get("text", ""))[:MAX_TEXT_CHARACTERS])


def extract_text(
    kind: str, data: bytes, *, seconds: float = 10, memory_bytes: int = 512 * 1024 * 1024
) -> DocumentText:
    """read_text for bytes in memory (tests and tools)."""
    import tempfile

    with tempfile.TemporaryFile(buffering=0) as source:
        source.write(data)
        return read_text(
            kind, source, seconds=seconds, memory_bytes=memory_bytes, max_bytes=len(data) + 1
        )
