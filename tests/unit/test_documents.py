"""Supporting documents as pure functions: what a file is (by its bytes), archive limits,
file names and Content-Disposition, text for the anonymisation check, the ClamAV client
(against a stand-in clamd on a Unix socket) and the upload checks."""

from __future__ import annotations

import dataclasses
import io
import socket
import struct
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cpd import anonymity, rules
from app.policy import Policy, PolicyError, describe_size, policy_from_mapping
from app.records.models import CpdDocument
from app.uploads import checks, extraction, names, scanning, sniffing
from app.uploads.scanning import ScanResult
from app.uploads.sniffing import ArchiveRefused
from tests.support import sample_files

POLICY = Policy()
SMALL_ARCHIVES = dataclasses.replace(
    POLICY, max_archive_entries=5, max_archive_unpacked_bytes=POLICY.max_document_bytes
)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (sample_files.pdf(), "pdf"),
        (sample_files.docx(), "docx"),
        (sample_files.odt(), "odt"),
        (b"Plain notes\r\nwith a second line\n", "text"),
        ("Café notes, 😀 included".encode(), "text"),
        ("\ufeffWith a byte order mark".encode(), "text"),
        (sample_files.JPEG, "jpeg"),
        (sample_files.PNG, "png"),
    ],
)
def test_allowed_files_are_known_by_their_bytes(data: bytes, kind: str) -> None:
    assert sniffing.sniff(data, POLICY) == kind


@pytest.mark.parametrize(
    "data",
    [
        sample_files.EXECUTABLE,
        b"\x7fELF\x02\x01\x01" + bytes(100),
        b"GIF89a\x01\x00\x01\x00",
        b"text with a NUL\x00 in it",
        b"\xff\xfeU\x00T\x00F\x00-\x001\x006\x00",  # UTF-16 is not plain UTF-8 text
        b"latin-1 caf\xe9",
        b"binary \x01\x02\x03 control bytes",
        b"",
        sample_files.zip_of({"notes.txt": b"a zip, not a document"}),
        sample_files.zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
        sample_files.zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"}),
        b"PK\x03\x04 a broken zip",
    ],
)
def test_anything_else_is_refused_whatever_its_name(data: bytes) -> None:
    assert sniffing.sniff(data, POLICY) is None


def test_an_archive_with_too_many_entries_is_refused_before_unpacking() -> None:
    many = sample_files.zip_of({f"word/part{n}.xml": b"<x/>" for n in range(6)})
    with pytest.raises(ArchiveRefused, match="contains more than 5 files"):
        sniffing.sniff(many, SMALL_ARCHIVES)


def test_a_zip_bomb_is_refused_from_its_declared_sizes() -> None:
    # 12 MB of zeros packs into a few KB: a small file that unpacks too far.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", bytes(12 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 100_000
    with pytest.raises(ArchiveRefused, match="unpacks to more than 10 MB"):
        sniffing.sniff(bomb, SMALL_ARCHIVES)
    # Checked from the directory alone.
    entries = zipfile.ZipFile(io.BytesIO(bomb)).infolist()
    with pytest.raises(ArchiveRefused):
        sniffing.check_archive(entries, SMALL_ARCHIVES)
    sniffing.check_archive(entries, POLICY)  # within the default 100 MB


def test_reading_text_from_an_archive_is_bounded_even_if_its_directory_lies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(extraction, "MAX_EXTRACT_BYTES", 1000)
    word = sample_files.docx("x" * 5000)
    assert extraction.extract_text("docx", word) == extraction.DocumentText("out of memory")


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("pdf", sample_files.pdf("Mrs Smith's review\nCall 07700 900123"), "Call 07700 900123"),
        ("pdf", sample_files.pdf("Escaped (brackets) and \\ slash"), "Escaped (brackets) and \\"),
        ("docx", sample_files.docx("Run-split text\nSecond paragraph"), "Run-split text"),
        ("odt", sample_files.odt("OpenDocument &amp; text"), "OpenDocument &amp; text"),
        ("text", "Plain café".encode(), "Plain café"),
    ],
)
def test_text_is_read_from_each_kind_for_the_anonymisation_check(
    kind: str, data: bytes, expected: str
) -> None:
    result = extraction.extract_text(kind, data)
    assert result.read
    assert expected in result.text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\alex\\Documents\\report.pdf", "report.pdf"),
        ("/home/alex/notes.txt", "notes.txt"),
        ("bad\x00name\x1f.pdf", "badname.pdf"),
        ("", "document"),
        ("...", "document"),
        ("a" * 300 + ".docx", "a" * 250 + ".docx"),
    ],
)
def test_file_names_keep_only_the_name(raw: str, clean: str) -> None:
    assert names.clean_filename(raw) == clean


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("report.pdf", "report.pdf"),
        ("Notes – café.pdf", "Notes cafe.pdf"),
        ('say "hi"\\.txt', "say _hi__.txt"),
        ("名前.pdf", "document.pdf"),
        ("100%; sure.txt", "100__ sure.txt"),
    ],
)
def test_content_disposition_is_an_rfc_6266_attachment(name: str, fallback: str) -> None:
    header = names.content_disposition(name)
    assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert urllib.parse.unquote(encoded, encoding="utf-8") == name
    assert all(32 < ord(c) < 127 for c in encoded)
    assert '"' not in encoded and ";" not in encoded and " " not in encoded


def test_file_sizes_read_as_people_read_them() -> None:
    assert describe_size(10 * 1024 * 1024) == "10 MB"
    assert describe_size(1536 * 1024) == "1.5 MB"
    assert describe_size(2048) == "2 KB"
    assert describe_size(1) == "1 byte"
    assert POLICY.max_document_size_text == "10 MB"


# --- the virus scanner ------------------------------------------------------------------


@pytest.fixture
def fake_clamd(tmp_path: Path) -> Iterator[tuple[str, list[bytes]]]:
    """A stand-in clamd on a Unix socket speaking INSTREAM: flags EICAR."""
    path = str(tmp_path / "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen()
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                command = b""
                while not command.endswith(b"\0"):
                    command += connection.recv(1)
                assert command == b"zINSTREAM\0"
                data = b""
                while True:
                    size = struct.unpack("!L", connection.recv(4, socket.MSG_WAITALL))[0]
                    if size == 0:
                        break
                    data += connection.recv(size, socket.MSG_WAITALL)
                received.append(data)
                found = sample_files.EICAR in data
                reply = b"stream: Eicar-Signature FOUND\0" if found else b"stream: OK\0"
                connection.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield path, received
    server.close()


def test_clamd_instream_scans_clean_and_infected_files(
    fake_clamd: tuple[str, list[bytes]],
) -> None:
    path, received = fake_clamd
    scan = scanning.clamd_scanner(socket_path=path, timeout=5)
    big = b"%PDF-1.4\n" + bytes(200_000)  # more than one chunk
    assert scan(io.BytesIO(big)) == ScanResult("clean")
    assert scan(io.BytesIO(sample_files.EICAR)) == ScanResult("infected", "Eicar-Signature")
    assert received == [big, sample_files.EICAR]


def test_an_unreachable_scanner_is_an_error_not_a_pass(tmp_path: Path) -> None:
    scan = scanning.clamd_scanner(socket_path=str(tmp_path / "missing.sock"), timeout=1)
    assert scan(io.BytesIO(b"anything")).status == "error"


def test_clamd_replies_are_read() -> None:
    assert scanning.parse_clamd_reply(b"stream: OK\0").status == "clean"
    assert scanning.parse_clamd_reply(b"stream: Win.Test FOUND\0") == ScanResult(
        "infected", "Win.Test"
    )
    assert scanning.parse_clamd_reply(b"INSTREAM size limit exceeded. ERROR\0").status == "error"


def test_the_scanner_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAMAV_SOCKET", raising=False)
    monkeypatch.delenv("CLAMAV_HOST", raising=False)
    assert scanning.scanner_from_settings({}) is scanning.not_scanned
    assert scanning.scanner_from_settings({"CLAMAV_SOCKET": "/run/clamd.sock"}) is not (
        scanning.not_scanned
    )
    monkeypatch.setenv("CLAMAV_HOST", "127.0.0.1")
    assert scanning.scanner_from_settings({}) is not scanning.not_scanned
    assert scanning.not_scanned(io.BytesIO(b"x")) == ScanResult("not scanned")


# --- the upload checks ------------------------------------------------------------------


class Upload:
    def __init__(self, data: bytes, filename: str) -> None:
        self.filename = filename
        self._stream = io.BytesIO(data)

    def read(self, size: int = -1, /) -> bytes:
        return self._stream.read(size)


def check(*uploads: Upload, already: int = 0, policy: Policy = POLICY) -> checks.UploadCheck:
    return checks.check_uploads(
        uploads, policy=policy, already=already, scanner=sample_files.eicar_scanner
    )


def test_each_refusal_names_the_file_and_the_rule() -> None:
    small = dataclasses.replace(POLICY, max_document_bytes=1024, max_archive_unpacked_bytes=2048)
    result = check(
        Upload(sample_files.pdf(), "ok.pdf"),
        Upload(sample_files.EXECUTABLE, "report.exe"),
        Upload(b"%PDF-1.4" + bytes(1100), "scan.pdf"),
        Upload(sample_files.EICAR, "eicar.com.txt"),
        Upload(b"", "empty.txt"),
        Upload(b"", ""),  # an empty file input: nothing chosen
        policy=small,
    )
    assert [c.filename for c in result.accepted] == ["ok.pdf"]
    assert result.refused == [
        "report.exe is not a PDF, Word, OpenDocument, text, JPG or PNG file",
        "scan.pdf is larger than 1 KB",
        "eicar.com.txt contains a virus",
        "empty.txt is empty",
    ]


def test_the_count_limit_counts_what_the_record_has() -> None:
    result = check(*(Upload(b"note", f"{n}.txt") for n in range(3)), already=8)
    assert [c.filename for c in result.accepted] == ["0.txt", "1.txt"]
    assert result.refused == ["2.txt was not added: a CPD record can have up to 10 documents"]


def test_a_scanner_error_refuses_the_file() -> None:
    result = checks.check_uploads(
        [Upload(b"note", "note.txt")],
        policy=POLICY,
        already=0,
        scanner=lambda _data: ScanResult("error", "clamd down"),
    )
    assert result.refused == ["note.txt could not be checked for viruses just now: try again later"]


def test_findings_in_a_document_are_kept_masked() -> None:
    result = check(Upload(sample_files.odt("Email jo.smith@example.com"), "log.odt"))
    [checked] = result.accepted
    assert checked.findings == [
        {
            "kind": "email",
            "masked": checked.findings[0]["masked"],
            "description": "an email address",
        }
    ]
    assert "jo.smith@example.com" not in checked.findings[0]["masked"]


# --- the policy, the rules and the anonymisation help -----------------------------------


def test_the_upload_limits_are_in_the_policy_and_checked() -> None:
    policy = policy_from_mapping(
        {"max_document_bytes": 5 * 1024 * 1024, "max_documents_per_record": 3}
    )
    assert policy.max_document_size_text == "5 MB"
    for bad in (
        {"max_document_bytes": 0},
        {"max_documents_per_record": 0},
        {"max_archive_entries": -1},
        {"max_archive_unpacked_bytes": 1024},
        {"max_document_bytes": "10 MB"},
    ):
        with pytest.raises(PolicyError):
            policy_from_mapping(bad)


def _document(document_id: int, name: str, findings: list[dict[str, str]] | None = None):
    return CpdDocument(
        id=document_id,
        record_id=1,
        owner_id=1,
        filename=name,
        kind="pdf",
        size=10,
        sha256="0" * 64,
        scan_status="not scanned",
        findings=findings or [],
    )


def test_explanations_are_required_on_the_unstructured_form_only() -> None:
    answers = {"documents": [{"id": 7, "explanation": " "}]}
    names = {7: "review.pdf"}
    unstructured = rules._document_problems(answers, rules.UNSTRUCTURED, POLICY, names)
    assert unstructured == {"document_explanation_7": "Enter how review.pdf shows the CPD standard"}
    assert rules._document_problems(answers, rules.STRUCTURED, POLICY, names) == {}
    long = {"documents": [{"id": 7, "explanation": "x" * 1001}]}
    assert rules._document_problems(long, rules.STRUCTURED, POLICY, names) == {
        "document_explanation_7": (
            "How review.pdf shows the CPD standard must be 1,000 characters or fewer"
            " — you have 1,001"
        )
    }


def test_warnings_name_the_box_or_the_document() -> None:
    document = _document(
        3, "review.docx", [{"kind": "postcode", "masked": "SW1A •••", "description": "a postcode"}]
    )
    warnings = anonymity.warnings_for(
        {"title": "Visit to Mr Brown", "what_you_did": "A course on the Care Act 2014"},
        rules.STRUCTURED,
        [(document, "Born on 3 March 1990")],
    )
    assert [(w.target, w.name) for w in warnings] == [
        ("title", "Title"),
        ("document-3", "review.docx"),
        ("document_explanation_3", "How review.docx shows the CPD standard"),
    ]
    assert warnings[1].findings == ["a postcode (SW1A •••)"]
    assert anonymity.confirmation_problem(warnings, {}) == {
        "anonymised_confirmed": anonymity.CONFIRM_MISSING
    }
    assert anonymity.confirmation_problem(warnings, {"anonymised_confirmed": "yes"}) == {}
    assert anonymity.confirmation_problem([], {}) == {}


# --- web pages and SVG are not text documents -------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        b"  \n<html><p>A web page saved as notes.txt</p></html>",
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
        b'<svg onload="alert(1)"/>',
        "\ufeff<!doctype HTML>\n<title>Notes</title>".encode(),
        b"My notes from the course.\n<script>fetch('/your-cpd')</script>\n",
        b"Notes\n<IFRAME src=//evil.example></iframe>",
    ],
)
def test_web_pages_and_svg_images_are_refused_with_their_own_message(data: bytes) -> None:
    result = check(Upload(data, "notes.txt"))
    assert result.accepted == []
    assert result.refused == [
        "notes.txt is a web page or an SVG image, which cannot be added: "
        "save it as a PDF or a plain text file"
    ]


def test_plain_notes_that_mention_angle_brackets_are_still_text() -> None:
    notes = b"Outcome scores < 3 were reviewed; scores > 7 were not.\n<b> is bold in HTML.\n"
    assert sniffing.sniff(notes, POLICY) == "text"


@pytest.mark.parametrize("scanner", [scanning.not_scanned, sample_files.eicar_scanner])
def test_every_check_reads_the_whole_file_whatever_read_it_before(scanner) -> None:
    # The sniffer reads a few bytes, a scanner may read none or all: the text reader (a
    # child process sharing the file) and storage must still get the file from its start.
    data = sample_files.pdf("Certificate of attendance")
    [checked] = checks.check_uploads(
        [Upload(data, "c.pdf")], policy=POLICY, already=0, scanner=scanner
    ).accepted
    assert checked.text_status == "read"
    checked.content.seek(0)
    assert checked.content.read() == data


def test_an_archive_declaring_a_huge_directory_is_refused_before_it_is_read() -> None:
    # 100,000 empty entries in 8 MB: reading the directory alone took seconds and tens
    # of megabytes in the worker. The count in its end record is enough to refuse it.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for number in range(100_000):
            archive.writestr(f"word/{number:x}", "")
    started = time.process_time()
    with pytest.raises(ArchiveRefused, match="contains more than 2,000 files"):
        sniffing.sniff(buffer.getvalue(), POLICY)
    assert time.process_time() - started < 0.1
