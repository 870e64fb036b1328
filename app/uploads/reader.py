"""The child process that reads a document's text: ``python -I reader.py KIND SECONDS
MEMORY_BYTES MAX_BYTES MAX_ENTRY_BYTES MAX_CHARACTERS``, the document on stdin, one JSON object on
stdout: ``{"status": "read", "text": ...}`` or ``{"status": <why not>}``.

It limits itself (address space and CPU time) before it imports a parser or reads a
byte, so nothing in the file can make it take more; the parent also kills it after
SECONDS of wall-clock time. It imports nothing from the app (it runs isolated, -I), so
it starts in a fraction of a second. Text comes from well-kept parsers only: pypdf for
PDF, defusedxml for the XML inside Word and OpenDocument files (no DTDs, no entities)."""

from __future__ import annotations

import json
import resource
import sys

READ = "read"
UNREADABLE = "unreadable"
OUT_OF_MEMORY = "out of memory"

# The parts of a Word file with text a person wrote, and of an OpenDocument file.
DOCX_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
ODT_PARTS = ("content.xml",)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
PARAGRAPHS = {W + "p", TEXT_NS + "p", TEXT_NS + "h", TEXT_NS + "list-item"}
GAPS = {W + "tab", TEXT_NS + "tab", TEXT_NS + "s"}
BREAKS = {W + "br", W + "cr", TEXT_NS + "line-break"}
WORD_TEXT = {W + "t", W + "delText"}


def limit_myself(seconds: int, memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def xml_text(xml: bytes, *, word: bool) -> str:
    """The text of a Word or OpenDocument XML part: paragraphs on their own lines, runs
    joined as written. Walked with a stack, so deep nesting cannot exhaust recursion."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(xml)
    out: list[str] = []
    stack = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag
        if closing:
            if tag in PARAGRAPHS:
                out.append("\n")
            if not word and element.tail and element is not root:
                out.append(element.tail)
            continue
        if tag in GAPS:
            out.append(" ")
        elif tag in BREAKS:
            out.append("\n")
        if element.text and (tag in WORD_TEXT if word else True):
            out.append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return "".join(out)


class TooBig(Exception):
    """An archive entry larger than we read."""


def archive_text(data: bytes, parts: tuple[str, ...], *, word: bool, max_bytes: int) -> str:
    import io
    import zipfile

    texts = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        for part in parts:
            if part in names:
                with archive.open(part) as entry:
                    xml = entry.read(max_bytes + 1)
                if len(xml) > max_bytes:
                    raise TooBig(part)
                texts.append(xml_text(xml, word=word))
    return "\n".join(texts)


def pdf_text(data: bytes, max_characters: int) -> str:
    import io
    import logging

    from pypdf import PdfReader

    logging.disable(logging.WARNING)  # pypdf reports every oddity of a damaged file
    reader = PdfReader(io.BytesIO(data), strict=False)
    texts: list[str] = []
    length = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        texts.append(text)
        length += len(text)
        if length >= max_characters:
            break
    return "\n".join(texts)


def extract(kind: str, data: bytes, *, max_bytes: int, max_characters: int) -> str:
    if kind == "text":
        return data.decode("utf-8-sig", "replace")
    if kind == "docx":
        return archive_text(data, DOCX_PARTS, word=True, max_bytes=max_bytes)
    if kind == "odt":
        return archive_text(data, ODT_PARTS, word=False, max_bytes=max_bytes)
    if kind == "pdf":
        return pdf_text(data, max_characters)
    raise ValueError(f"no text reader for {kind}")


# Made before reading: with no memory left, there may be none to make an answer with.
OUT_OF_MEMORY_ANSWER = json.dumps({"status": OUT_OF_MEMORY}).encode()
UNREADABLE_ANSWER = json.dumps({"status": UNREADABLE}).encode()


def main(arguments: list[str]) -> int:
    kind, seconds, memory_bytes, max_bytes, max_entry_bytes, max_characters = arguments
    limit_myself(int(seconds), int(memory_bytes))
    reserve = bytearray(1024 * 1024)  # given back on MemoryError, to answer with
    try:
        data = sys.stdin.buffer.read(int(max_bytes))
        text = extract(
            kind, data, max_bytes=int(max_entry_bytes), max_characters=int(max_characters)
        )
        answer = json.dumps({"status": READ, "text": text[: int(max_characters)]}).encode()
    except (MemoryError, TooBig):
        del reserve
        answer = OUT_OF_MEMORY_ANSWER
    except Exception as error:  # noqa: BLE001 - any failure to parse: "could not be read"
        # Parsers in C (expat, zlib) report running out of memory as their own errors.
        answer = OUT_OF_MEMORY_ANSWER if "memory" in str(error).lower() else UNREADABLE_ANSWER
    sys.stdout.buffer.write(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
