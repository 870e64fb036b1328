"""Reading a document's text for the anonymisation check: hostile files cannot hold a
worker, real-world files (made by LibreOffice and a PDF library, in
tests/fixtures/documents/, see tests/support/make_document_corpus.py) are read, and
anything at all is answered quickly, checked or not (fuzzed with hypothesis)."""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.uploads import extraction
from tests.support import sample_files

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
# Each fuzzed file gets this long. On a machine busy with other work a reader may not
# even start in time: "timed out" is then the right answer (the file is marked not
# checked), so it counts as answered; what may never happen is a hang or a crash.
FUZZ_SECONDS = 3
ANSWERED = ("read", "unreadable", "timed out")


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bounded(seconds: float, function: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Run ``function`` in a child process and give up after ``seconds``, so a test of
    something that hangs fails instead of hanging. Returns the processor time it took
    (its own and its children's: the server's work, whatever else the machine is doing)
    and the result."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()

    def run() -> None:
        before = _cpu_seconds()
        result = function(*args)
        results.put((_cpu_seconds() - before, result))

    child = context.Process(target=run)
    child.start()
    child.join(seconds)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"still running after {seconds} s")
    return results.get(timeout=5)


def pdf_with_stream(content: bytes) -> bytes:
    return (
        b"%%PDF-1.4\n4 0 obj\n<< /Length %d >>\nstream\n" % len(content)
        + content
        + b"\nendstream\nendobj\n%%EOF\n"
    )


def test_a_pdf_built_to_make_a_pattern_backtrack_takes_under_a_second_of_work() -> None:
    # 170 bytes that kept the old regular-expression reader busy for a minute.
    hostile = pdf_with_stream(b"BT [" + b"(a)" * 32 + b"] Tx ET")
    cpu, result = bounded(5, extraction.extract_text, "pdf", hostile)
    assert cpu < 1
    assert result.status in ("read", "unreadable")


def test_a_pdf_full_of_unfinished_streams_takes_under_a_second_of_work() -> None:
    # Each "stream" with no "endstream" made the old reader scan to the end again.
    hostile = b"%PDF-1.4\n" + b"stream\n" * 40_000
    cpu, result = bounded(5, extraction.extract_text, "pdf", hostile)
    assert cpu < 1
    assert result.status in ("read", "unreadable")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("libreoffice.pdf", "pdf"),  # subset TrueType fonts, hex strings, ToUnicode
        ("word-export.pdf", "pdf"),  # a Word (.docx) file exported to PDF
        ("identity-h.pdf", "pdf"),  # a Type0 font with Identity-H encoding
        ("libreoffice-word.docx", "docx"),
        ("libreoffice.odt", "odt"),
    ],
)
def test_real_world_documents_are_read(name: str, kind: str) -> None:
    _cpu, result = bounded(20, extraction.extract_text, kind, (CORPUS / name).read_bytes())
    assert result.status == "read"
    text = result.text
    for expected in ("jo.smith@example.com", "SW1A 1AA", "Łukasiewicz"):
        assert expected in text


def test_text_is_read_from_a_compressed_pdf_stream_with_hex_strings() -> None:
    content = b"BT /F1 12 Tf 72 720 Td [<4472> -250 (Jones)] TJ T* <5357314120314141> Tj ET"
    pdf = sample_files.pdf_with_content(content, compressed=True)
    _cpu, result = bounded(20, extraction.extract_text, "pdf", pdf)
    assert result.status == "read"
    assert "Dr" in result.text and "Jones" in result.text and "SW1A 1AA" in result.text


def _word_with_many_paragraphs(count: int) -> bytes:
    return sample_files.docx("\n".join(f"Line {n}" for n in range(count)))


def test_a_document_that_takes_too_long_to_read_is_not_checked_and_says_so() -> None:
    heavy = _word_with_many_paragraphs(60_000)
    started = time.perf_counter()
    result = extraction.extract_text("docx", heavy, seconds=0.2)
    assert time.perf_counter() - started < 1.5
    assert result == extraction.DocumentText("timed out")
    assert not result.read


def test_a_document_that_needs_too_much_memory_is_not_checked_and_says_so() -> None:
    heavy = _word_with_many_paragraphs(60_000)
    assert extraction.extract_text("docx", heavy).read  # within the default budget
    small_budget = 40 * 1024 * 1024
    assert extraction.extract_text(
        "docx", sample_files.docx("Short"), memory_bytes=small_budget
    ).read
    result = extraction.extract_text("docx", heavy, memory_bytes=small_budget)
    assert result == extraction.DocumentText("out of memory")


@pytest.mark.parametrize(
    ("kind", "data", "status"),
    [
        ("pdf", b"%PDF-1.4 nothing a PDF reader can use", "unreadable"),
        ("docx", b"PK\x03\x04 a broken archive", "unreadable"),
        ("odt", sample_files.zip_of({"content.xml": b"<not-closed>"}), "unreadable"),
        # An XML bomb: defusedxml refuses entities rather than expanding them.
        (
            "odt",
            sample_files.zip_of(
                {
                    "content.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">'
                    b'<!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>'
                }
            ),
            "unreadable",
        ),
        ("png", sample_files.PNG, "image"),
        ("jpeg", sample_files.JPEG, "image"),
    ],
)
def test_what_cannot_be_read_says_why(kind: str, data: bytes, status: str) -> None:
    assert extraction.extract_text(kind, data) == extraction.DocumentText(status)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=2000),
    kind=st.sampled_from(["pdf", "docx", "odt", "text"]),
)
def test_any_bytes_at_all_are_answered_quickly_read_or_not(body: bytes, kind: str) -> None:
    prefix = {"pdf": b"%PDF-1.4\n", "docx": b"PK\x03\x04", "odt": b"PK\x03\x04", "text": b""}
    started = time.perf_counter()
    result = extraction.extract_text(kind, prefix[kind] + body, seconds=FUZZ_SECONDS)
    assert time.perf_counter() - started < FUZZ_SECONDS + 1.5
    assert result.status in ANSWERED
    assert result.read or result.text == ""


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operators=st.lists(
        st.sampled_from(
            [
                b"BT",
                b"ET",
                b"[",
                b"]",
                b"(a)",
                b"<4142>",
                b"Tj",
                b"TJ",
                b"T*",
                b"Td",
                b"-250",
                b"/F1 12 Tf",
                b"(",
                b")",
                b"\\",
                b"'",
                b'"',
            ]
        ),
        max_size=200,
    ),
    compressed=st.booleans(),
)
def test_pdf_pages_of_any_operators_are_answered_quickly(
    operators: list[bytes], compressed: bool
) -> None:
    pdf = sample_files.pdf_with_content(b" ".join(operators), compressed=compressed)
    started = time.perf_counter()
    result = extraction.extract_text("pdf", pdf, seconds=FUZZ_SECONDS)
    assert time.perf_counter() - started < FUZZ_SECONDS + 1.5
    assert result.status in ANSWERED


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_damaged_copies_of_real_documents_are_answered_quickly(name: str) -> None:
    """Each corpus file cut short and with bytes flipped, as a failed download or a
    broken disk leaves it."""
    data = (CORPUS / name).read_bytes()
    kind = name.rsplit(".", 1)[1]
    flipped = bytearray(data)
    for position in range(len(flipped) // 3, len(flipped), 97):
        flipped[position] ^= 0x5A
    for damaged in (data[: len(data) // 2], bytes(flipped)):
        started = time.perf_counter()
        result = extraction.extract_text(kind, damaged, seconds=FUZZ_SECONDS)
        assert time.perf_counter() - started < FUZZ_SECONDS + 1.5
        assert result.status in ANSWERED
