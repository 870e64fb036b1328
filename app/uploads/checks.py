"""The checks every uploaded file goes through before it is stored: its size, its
kind, viruses, and what its text may give away."""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from app.anonymisation import find_identifiers
from app.policy import Policy, describe_size
from app.security_log import security_event
from app.uploads.extraction import TIMED_OUT, read_text
from app.uploads.names import clean_filename
from app.uploads.scanning import SCAN_ERROR, SCAN_INFECTED, Scanner
from app.uploads.sniffing import ALLOWED_TEXT, Refused, sniff

# The most findings kept for one document: enough to say "check this document".
MAX_FINDINGS = 20
CHUNK = 64 * 1024
# Less time than this left for a form's documents: the rest are not read at all.
MIN_READ_SECONDS = 0.5


class UploadedFile(Protocol):
    """What a werkzeug FileStorage offers that we use."""

    filename: str | None

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    kind: str
    content: BinaryIO  # an unbuffered temporary file, read from its start when stored
    size: int
    sha256: str
    scan_status: str
    # "read", or why the text was not checked (extraction.NOT_READ_BECAUSE).
    text_status: str
    findings: list[dict[str, str]]


@dataclass
class UploadCheck:
    accepted: list[CheckedFile] = field(default_factory=list)
    # One sentence for each refused file, naming the file and the rule.
    refused: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.accepted or self.refused)


def chosen_files(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    """The files a person actually chose: an empty file input still sends one part."""
    return [f for f in files if f is not None and (f.filename or "").strip()]


def _spool(upload: UploadedFile | BinaryIO, limit: int) -> tuple[BinaryIO, int, str]:
    """Copy an upload to a temporary file a chunk at a time, stopping one byte past
    ``limit``: its size (at most limit + 1) and SHA-256. Never the whole file in memory."""
    # Unbuffered: the text reader's child process reads the same file descriptor, so
    # every seek must reach the operating system (a buffered seek may stay in Python).
    spooled = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115 - lives as the CheckedFile
    digest = hashlib.sha256()
    size = 0
    while size <= limit:
        chunk = upload.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        spooled.write(chunk)
        digest.update(chunk)
        size += len(chunk)
    spooled.seek(0)
    return spooled, size, digest.hexdigest()


def check_uploads(
    files: Iterable[UploadedFile],
    *,
    policy: Policy,
    already: int,
    scanner: Scanner,
    room: int | None = None,
) -> UploadCheck:
    """Check each chosen file; ``already`` is how many documents the record has and
    ``room`` how many bytes the account may still store (None: no limit)."""
    check = UploadCheck()
    deadline = time.monotonic() + policy.upload_read_seconds
    for upload in chosen_files(files):
        name = clean_filename(upload.filename)
        content, size, sha256 = _spool(upload, policy.max_document_bytes)
        refusal = None
        if already + len(check.accepted) >= policy.max_documents_per_record:
            refusal = (
                f"{name} was not added: a CPD record can have up to "
                f"{policy.max_documents_per_record} documents"
            )
        elif size > policy.max_document_bytes:
            refusal = f"{name} is larger than {policy.max_document_size_text}"
        elif not size:
            refusal = f"{name} is empty"
        elif room is not None and size > room - sum(c.size for c in check.accepted):
            refusal = (
                f"{name} was not added: your account has reached its storage limit of "
                f"{describe_size(policy.storage_quota_bytes)}. Call {policy.help_phone} or "
                f"email {policy.help_email} for help making room"
            )
        if refusal:
            content.close()
            security_event("upload_refused", level=logging.INFO, reason="limits")
            check.refused.append(refusal)
            continue
        checked, refusal = check_file(
            name,
            content,
            size=size,
            sha256=sha256,
            policy=policy,
            scanner=scanner,
            seconds=min(policy.document_read_seconds, deadline - time.monotonic()),
        )
        if checked is None:
            assert refusal is not None
            content.close()
            check.refused.append(refusal)
        else:
            check.accepted.append(checked)
    return check


def check_document(
    name: str, data: bytes, *, policy: Policy, scanner: Scanner
) -> tuple[CheckedFile | None, str | None]:
    """A document that arrived other than through a form (an import): the same checks
    as an upload (check_file), from bytes already read within the size limit."""
    content, size, sha256 = _spool(io.BytesIO(data), policy.max_document_bytes)
    checked, refusal = check_file(
        name,
        content,
        size=size,
        sha256=sha256,
        policy=policy,
        scanner=scanner,
        seconds=policy.document_read_seconds,
    )
    if checked is None:
        content.close()
    return checked, refusal


def check_file(
    name: str,
    content: BinaryIO,
    *,
    size: int,
    sha256: str,
    policy: Policy,
    scanner: Scanner,
    seconds: float,
) -> tuple[CheckedFile | None, str | None]:
    """One file's content checks: its kind, its archive, viruses, then its text within
    ``seconds``. Returns the checked file, or None and the sentence that says why it
    was refused."""
    try:
        kind = sniff(content, policy)
    except Refused as refused:
        security_event("upload_refused", level=logging.INFO, reason=type(refused).__name__)
        return None, f"{name} {refused}"
    if kind is None:
        security_event("upload_refused", level=logging.INFO, reason="kind")
        return None, f"{name} is not a {ALLOWED_TEXT} file"
    scan = scanner(content)
    if scan.status == SCAN_INFECTED:
        security_event("upload_refused", reason="virus")
        return None, f"{name} contains a virus"
    if scan.status == SCAN_ERROR:
        return None, f"{name} could not be checked for viruses just now: try again later"
    if seconds < MIN_READ_SECONDS:
        text_status, text = TIMED_OUT, ""
    else:
        read = read_text(
            kind,
            content,
            seconds=seconds,
            memory_bytes=policy.document_read_memory_bytes,
            max_bytes=policy.max_document_bytes,
        )
        text_status, text = read.status, read.text
    findings = [
        {"kind": f.kind, "masked": f.masked, "description": f.description}
        for f in find_identifiers(text)[:MAX_FINDINGS]
    ]
    content.seek(0)
    return CheckedFile(name, kind, content, size, sha256, scan.status, text_status, findings), None
