"""The checks every uploaded file goes through before it is stored: its size, its
kind, viruses, and what its text may give away."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from app.anonymisation import find_identifiers
from app.policy import Policy
from app.uploads.extraction import extract_text
from app.uploads.names import clean_filename
from app.uploads.scanning import SCAN_ERROR, SCAN_INFECTED, Scanner
from app.uploads.sniffing import ALLOWED_TEXT, ArchiveRefused, sniff

# The most findings kept for one document: enough to say "check this document".
MAX_FINDINGS = 20


class UploadedFile(Protocol):
    """What a werkzeug FileStorage offers that we use."""

    filename: str | None

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    kind: str
    data: bytes
    scan_status: str
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


def check_uploads(
    files: Iterable[UploadedFile], *, policy: Policy, already: int, scanner: Scanner
) -> UploadCheck:
    """Check each chosen file; ``already`` is how many documents the record has."""
    check = UploadCheck()
    for upload in chosen_files(files):
        name = clean_filename(upload.filename)
        data = upload.read(policy.max_document_bytes + 1)
        refusal = None
        if already + len(check.accepted) >= policy.max_documents_per_record:
            refusal = (
                f"{name} was not added: a CPD record can have up to "
                f"{policy.max_documents_per_record} documents"
            )
        elif len(data) > policy.max_document_bytes:
            refusal = f"{name} is larger than {policy.max_document_size_text}"
        elif not data:
            refusal = f"{name} is empty"
        if refusal:
            check.refused.append(refusal)
            continue
        checked, refusal = check_file(name, data, policy=policy, scanner=scanner)
        if checked is None:
            assert refusal is not None
            check.refused.append(refusal)
        else:
            check.accepted.append(checked)
    return check


def check_file(
    name: str, data: bytes, *, policy: Policy, scanner: Scanner
) -> tuple[CheckedFile | None, str | None]:
    """One file's content checks: its kind, its archive, viruses. Returns the checked
    file, or None and the sentence that says why it was refused."""
    try:
        kind = sniff(data, policy)
    except ArchiveRefused as refused:
        return None, f"{name} {refused}"
    if kind is None:
        return None, f"{name} is not a {ALLOWED_TEXT} file"
    scan = scanner(data)
    if scan.status == SCAN_INFECTED:
        return None, f"{name} contains a virus"
    if scan.status == SCAN_ERROR:
        return None, f"{name} could not be checked for viruses just now: try again later"
    text = extract_text(kind, data)
    findings = [
        {"kind": f.kind, "masked": f.masked, "description": f.description}
        for f in find_identifiers(text)[:MAX_FINDINGS]
    ]
    return CheckedFile(name, kind, data, scan.status, findings), None
