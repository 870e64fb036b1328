"""Supporting documents: what may be uploaded, how it is checked, stored and sent back.

A file is judged by its bytes, never by its name: PDF, Word (.docx), OpenDocument text,
plain text (UTF-8), JPEG and PNG. Word and OpenDocument files are zip archives; their
entry count and unpacked size are read from the archive's directory (nothing is
unpacked), so a small file that would unpack to gigabytes is refused. A virus scanner
(ClamAV's daemon, when configured) sees every file before it is stored; without one the
document is recorded as "not scanned".

Documents live in the database (``CpdDocumentContent``), so a backup or a move to
another database carries them. Which documents a version of a record has is part of its
answers (see ``CpdDocument``); this module never decides that, it only stores content.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import socket
import struct
import unicodedata
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlmodel import Session, select

from app.anonymisation import find_identifiers
from app.cpd.models import CpdDocument, CpdDocumentContent, CpdRecord
from app.db import utcnow
from app.policy import Policy, describe_size

PDF = "pdf"
DOCX = "docx"
ODT = "odt"
TEXT = "text"
JPEG = "jpeg"
PNG = "png"

MEDIA_TYPES: dict[str, str] = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ODT: "application/vnd.oasis.opendocument.text",
    TEXT: "text/plain; charset=utf-8",
    JPEG: "image/jpeg",
    PNG: "image/png",
}

# How people know each kind, for the list of documents.
KIND_NAMES: dict[str, str] = {
    PDF: "PDF",
    DOCX: "Word document",
    ODT: "OpenDocument text",
    TEXT: "Text file",
    JPEG: "JPG image",
    PNG: "PNG image",
}

ALLOWED_TEXT = "PDF, Word, OpenDocument, text, JPG or PNG"
# For the file input's accept attribute: a hint to the file chooser, never a check.
ACCEPT = ".pdf,.docx,.odt,.txt,.jpg,.jpeg,.png," + ",".join(
    sorted({media.split(";")[0] for media in MEDIA_TYPES.values()})
)

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

# The most text read out of one document for the anonymisation check.
MAX_TEXT_CHARACTERS = 200_000
# The most bytes read from one archive entry or PDF stream while looking for text.
MAX_EXTRACT_BYTES = 8 * 1024 * 1024
# The most findings kept for one document: enough to say "check this document".
MAX_FINDINGS = 20

SCAN_CLEAN = "clean"
SCAN_NOT_SCANNED = "not scanned"
SCAN_INFECTED = "infected"
SCAN_ERROR = "error"


# --- what a file is ---------------------------------------------------------------------


class ArchiveRefused(ValueError):
    """A zip archive too big or too full to check safely."""


def sniff(data: bytes, policy: Policy) -> str | None:
    """The kind of document ``data`` is, judged by its content; None if not allowed.

    Raises ArchiveRefused for a zip archive over the policy's entry count or unpacked
    size (checked from its directory, before anything is unpacked)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return _sniff_archive(data, policy)
    if _is_plain_text(data):
        return TEXT
    return None


def _is_plain_text(data: bytes) -> bool:
    if not data or b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    # Control characters other than tab, line breaks and form feed mean binary data.
    return not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text)


def _sniff_archive(data: bytes, policy: Policy) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive.infolist(), policy)
            names = set(archive.namelist())
            if "mimetype" in names:
                # The OpenDocument rule: the first entry, stored, holding the media type.
                with archive.open("mimetype") as entry:
                    if entry.read(len(ODT_MIMETYPE) + 1).strip() == ODT_MIMETYPE:
                        return ODT
            if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
                return DOCX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        return None
    except RuntimeError:  # an encrypted entry
        return None
    return None


def check_archive(entries: Sequence[zipfile.ZipInfo], policy: Policy) -> None:
    """Refuse an archive with too many entries or too much to unpack (a zip bomb),
    from the sizes its directory declares. Reading an entry later is bounded too, so a
    directory that under-declares a size cannot get more out than we ask for."""
    if len(entries) > policy.max_archive_entries:
        raise ArchiveRefused(f"contains more than {policy.max_archive_entries:,} files")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > policy.max_archive_unpacked_bytes:
        raise ArchiveRefused(
            f"unpacks to more than {describe_size(policy.max_archive_unpacked_bytes)}"
        )


# --- file names and downloads -----------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_filename(raw: str | None) -> str:
    """The name to keep: the last part of whatever path a browser sent (old IE sends
    C:\\Users\\…\\report.pdf), without control characters, at most 255 characters
    (the extension kept)."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = _CONTROL.sub("", unicodedata.normalize("NFC", name)).strip().strip(".")
    if not name:
        return "document"
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: 254 - len(extension)] + "." + extension
        else:
            name = name[:255]
    return name


def ascii_filename(name: str) -> str:
    """An ASCII stand-in for a name, for clients that do not read filename*."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if ord(c) < 128 and not unicodedata.combining(c))
    plain = re.sub(r'[\x00-\x1f\x7f"\\%;]', "_", plain)
    plain = re.sub(r"\s+", " ", plain).strip()
    stem, dot, extension = plain.rpartition(".")
    if not (stem.strip("_ ") if dot else plain.strip("_ .")):
        return "document" + ("." + extension if dot and extension else "")
    return plain


def content_disposition(name: str) -> str:
    """``attachment`` with an RFC 6266 filename: a quoted ASCII fallback, and the real
    name as UTF-8 in filename* (RFC 8187) for every client that reads it."""
    encoded = urllib.parse.quote(name, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{encoded}"


# --- virus scanning ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    status: str  # SCAN_CLEAN, SCAN_NOT_SCANNED, SCAN_INFECTED or SCAN_ERROR
    detail: str = ""


Scanner = Callable[[bytes], ScanResult]


def not_scanned(_data: bytes) -> ScanResult:
    return ScanResult(SCAN_NOT_SCANNED)


def clamd_scanner(
    *,
    socket_path: str | None = None,
    host: str | None = None,
    port: int = 3310,
    timeout: float = 60.0,
) -> Scanner:
    """A scanner that streams the file to ClamAV's daemon (the INSTREAM command) on a
    Unix socket or TCP. Any failure to get an answer is SCAN_ERROR: the upload is then
    refused rather than stored unchecked."""
    if not socket_path and not host:
        raise ValueError("clamd_scanner needs a socket path or a host")

    def scan(data: bytes) -> ScanResult:
        try:
            if socket_path:
                connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                connection.settimeout(timeout)
                connection.connect(socket_path)
            else:
                assert host is not None
                connection = socket.create_connection((host, port), timeout=timeout)
            with connection:
                connection.sendall(b"zINSTREAM\0")
                chunk_size = 64 * 1024
                for start in range(0, len(data), chunk_size):
                    chunk = data[start : start + chunk_size]
                    connection.sendall(struct.pack("!L", len(chunk)) + chunk)
                connection.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0") and len(reply) < 4096:
                    received = connection.recv(4096)
                    if not received:
                        break
                    reply += received
        except OSError as error:
            return ScanResult(SCAN_ERROR, f"clamd: {error}")
        return parse_clamd_reply(reply)

    return scan


def parse_clamd_reply(reply: bytes) -> ScanResult:
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith("FOUND"):
        # "stream: Eicar-Test-Signature FOUND"
        signature = text.removeprefix("stream:").removesuffix("FOUND").strip()
        return ScanResult(SCAN_INFECTED, signature)
    if text.endswith("OK"):
        return ScanResult(SCAN_CLEAN)
    return ScanResult(SCAN_ERROR, f"clamd: {text or 'no answer'}")


def scanner_from_settings(settings: Mapping[str, Any]) -> Scanner:
    """ClamAV when CLAMAV_SOCKET (a Unix socket path) or CLAMAV_HOST (with CLAMAV_PORT,
    3310 by default) is set, in the app config or the environment; else not_scanned."""

    def setting(name: str) -> str:
        return str(settings.get(name) or os.environ.get(name) or "").strip()

    if setting("CLAMAV_SOCKET"):
        return clamd_scanner(socket_path=setting("CLAMAV_SOCKET"))
    if setting("CLAMAV_HOST"):
        return clamd_scanner(host=setting("CLAMAV_HOST"), port=int(setting("CLAMAV_PORT") or 3310))
    return not_scanned


# --- checking uploads -------------------------------------------------------------------


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


# --- text for the anonymisation check ---------------------------------------------------


def extract_text(kind: str, data: bytes) -> str:
    """The readable text of a document, best effort and bounded; "" for images."""
    try:
        if kind == TEXT:
            text = data.decode("utf-8-sig", "replace")
        elif kind == DOCX:
            text = _archive_text(
                data, ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
            )
        elif kind == ODT:
            text = _archive_text(data, ("content.xml",))
        elif kind == PDF:
            text = pdf_text(data)
        else:
            text = ""
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, EOFError, zlib.error):
        return ""
    return text[:MAX_TEXT_CHARACTERS]


_PARAGRAPH_END = re.compile(
    r"</(?:w:p|text:p|text:h|text:list-item)>|<(?:w:br|w:cr|text:line-break)\b[^>]*>"
)
_GAP = re.compile(r"<(?:w:tab|text:tab|text:s)\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")


def xml_text(xml: str) -> str:
    """The text of a Word or OpenDocument XML part: paragraphs on their own lines,
    runs within a paragraph joined as written."""
    text = _PARAGRAPH_END.sub("\n", xml)
    text = _GAP.sub(" ", text)
    return html.unescape(_TAG.sub("", text))


def _archive_text(data: bytes, parts: Sequence[str]) -> str:
    texts = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        for part in parts:
            if part in names:
                with archive.open(part) as entry:
                    raw = entry.read(MAX_EXTRACT_BYTES)
                texts.append(xml_text(raw.decode("utf-8", "replace")))
    return "\n".join(texts)


_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_TEXT_OBJECT = re.compile(rb"BT\b(.*?)\bET\b", re.DOTALL)
_TEXT_OPERATION = re.compile(
    rb"\[((?:\((?:\\.|[^\\)])*\)|[^\]])*)\]\s*TJ"  # [(Hel) -20 (lo)] TJ
    rb"|\(((?:\\.|[^\\)])*)\)\s*(?:Tj|'|\")"  # (Hello) Tj
    rb"|(?<![A-Za-z])(T\*|Td|TD|Tm)(?![A-Za-z])",  # moves to a new line
    re.DOTALL,
)
_ARRAY_PART = re.compile(rb"\(((?:\\.|[^\\)])*)\)|(-?\d+(?:\.\d+)?)")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _pdf_string(raw: bytes) -> str:
    def unescape(match: re.Match[bytes]) -> bytes:
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8) & 0xFF])
        if escaped in (b"\n", b"\r\n", b"\r"):
            return b""
        return _ESCAPES.get(escaped, escaped)

    value = re.sub(rb"\\([0-7]{1,3}|\r\n|.)", unescape, raw, flags=re.DOTALL)
    if value.startswith(b"\xfe\xff"):
        return value[2:].decode("utf-16-be", "replace")
    return value.decode("latin-1")


def pdf_text(data: bytes) -> str:
    """Text shown by a PDF's simple text operators, from its plain and Flate-compressed
    content streams. Best effort: text in fonts with custom encodings (many PDFs made
    from Word) comes out as nothing rather than as noise."""
    lines: list[str] = []
    budget = MAX_EXTRACT_BYTES
    for match in _STREAM.finditer(data):
        raw = match.group(1)
        content = raw
        if not raw.lstrip().startswith(b"BT"):
            try:
                inflater = zlib.decompressobj()
                content = inflater.decompress(raw, budget)
            except zlib.error:
                content = raw
        budget -= len(content)
        lines.extend(_content_text(content))
        if budget <= 0:
            break
    return "\n".join(line for line in lines if line.strip())


def _content_text(content: bytes) -> list[str]:
    lines: list[str] = []
    for block in _TEXT_OBJECT.finditer(content):
        current = ""
        for operation in _TEXT_OPERATION.finditer(block.group(1)):
            array, single, move = operation.groups()
            if move is not None:
                if current:
                    lines.append(current)
                current = ""
            elif single is not None:
                current += _pdf_string(single)
            elif array is not None:
                for part in _ARRAY_PART.finditer(array):
                    string, number = part.groups()
                    if string is not None:
                        current += _pdf_string(string)
                    elif number is not None and float(number) < -200:
                        current += " "  # a wide negative kern is a word gap
        if current:
            lines.append(current)
    return lines


# --- storing and reading ----------------------------------------------------------------


def store(db: Session, record: CpdRecord, files: Sequence[CheckedFile]) -> list[CpdDocument]:
    """Store checked files on ``record`` (committed). The caller adds them to the
    record's answers."""
    assert record.id is not None
    stored = []
    for checked in files:
        document = CpdDocument(
            record_id=record.id,
            owner_id=record.owner_id,
            filename=checked.filename,
            kind=checked.kind,
            size=len(checked.data),
            sha256=hashlib.sha256(checked.data).hexdigest(),
            scan_status=checked.scan_status,
            findings=checked.findings,
        )
        db.add(document)
        db.flush()
        assert document.id is not None
        db.add(CpdDocumentContent(document_id=document.id, data=checked.data))
        stored.append(document)
    db.commit()
    return stored


def copy_to(
    db: Session, source: CpdRecord, target: CpdRecord, items: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Copies, on ``target``, of the documents of ``source`` that ``items`` name (each an
    id and an explanation), as a record's answers list them: what "Keep both" keeps with
    the second version. Ids that are not ``source``'s are left out (committed)."""
    assert target.id is not None
    known = documents_of(db, source)
    copied: list[dict[str, Any]] = []
    for item in items:
        original = known.get(int(item["id"]))
        if original is None:
            continue
        copy = CpdDocument(
            record_id=target.id,
            owner_id=target.owner_id,
            filename=original.filename,
            kind=original.kind,
            size=original.size,
            sha256=original.sha256,
            scan_status=original.scan_status,
            findings=list(original.findings),
        )
        db.add(copy)
        db.flush()
        assert copy.id is not None
        db.add(CpdDocumentContent(document_id=copy.id, data=read_content(db, original)))
        copied.append({"id": copy.id, "explanation": item.get("explanation", "")})
    db.commit()
    return copied


def documents_of(db: Session, record: CpdRecord) -> dict[int, CpdDocument]:
    """Every document ever uploaded to ``record`` (removed ones too), by id."""
    rows = db.exec(select(CpdDocument).where(CpdDocument.record_id == record.id)).all()
    return {row.id: row for row in rows if row.id is not None}


def ids_in(answers: Mapping[str, Any]) -> list[int]:
    return [int(item["id"]) for item in answers.get("documents") or []]


def listed(
    answers: Mapping[str, Any], known: Mapping[int, CpdDocument]
) -> list[tuple[CpdDocument, str]]:
    """The documents a version of the answers has, with their explanations, in order."""
    return [
        (known[int(item["id"])], str(item.get("explanation") or ""))
        for item in answers.get("documents") or []
        if int(item["id"]) in known
    ]


def keep_known(answers: dict[str, Any], known: Mapping[int, CpdDocument]) -> None:
    """Drop document ids that are not this record's (a tampered or stale form)."""
    answers["documents"] = [
        item for item in answers.get("documents") or [] if int(item["id"]) in known
    ]


def mark_removed(db: Session, document: CpdDocument) -> None:
    document.removed_at = utcnow()
    db.add(document)
    db.commit()


def get_document(
    db: Session, *, owner_id: int, record_id: int, document_id: int
) -> CpdDocument | None:
    return db.exec(
        select(CpdDocument).where(
            CpdDocument.id == document_id,
            CpdDocument.record_id == record_id,
            CpdDocument.owner_id == owner_id,
        )
    ).first()


def read_content(db: Session, document: CpdDocument) -> bytes:
    content = db.exec(
        select(CpdDocumentContent).where(CpdDocumentContent.document_id == document.id)
    ).first()
    assert content is not None
    return content.data


def describe(document: CpdDocument) -> str:
    """What the list of documents says under a name: "PDF, 12 KB"."""
    return f"{KIND_NAMES.get(document.kind, document.kind)}, {describe_size(document.size)}"


def current_scanner() -> Scanner:
    """The app's scanner: one put in app.extensions["document_scanner"] (tests inject a
    stand-in there), else one made from the settings once."""
    from flask import current_app

    scanner: Scanner | None = current_app.extensions.get("document_scanner")
    if scanner is None:
        scanner = scanner_from_settings(current_app.config)
        current_app.extensions["document_scanner"] = scanner
    return scanner
