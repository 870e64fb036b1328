"""Text of a document for the anonymisation check."""

from __future__ import annotations

import html
import io
import re
import zipfile
import zlib
from collections.abc import Sequence

from app.uploads.sniffing import DOCX, ODT, PDF, TEXT

# The most text read out of one document for the anonymisation check.
MAX_TEXT_CHARACTERS = 200_000
# The most bytes read from one archive entry or PDF stream while looking for text.
MAX_EXTRACT_BYTES = 8 * 1024 * 1024


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
