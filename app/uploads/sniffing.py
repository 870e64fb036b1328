"""What a file is, judged by its bytes, never by its name: PDF, Word (.docx),
OpenDocument text, plain text (UTF-8), JPEG and PNG. Word and OpenDocument files are zip
archives; their entry count and unpacked size are read from the archive's directory
(nothing is unpacked), so a small file that would unpack to gigabytes is refused."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Sequence
from typing import BinaryIO

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


class Refused(ValueError):
    """A file refused for what is inside it; the message follows its name."""


class ArchiveRefused(Refused):
    """A zip archive too big or too full to check safely."""


class MarkupRefused(Refused):
    """A web page or SVG image sent as a text file: a browser could run what it holds."""

    def __init__(self) -> None:
        super().__init__(
            "is a web page or an SVG image, which cannot be added: "
            "save it as a PDF or a plain text file"
        )


Source = bytes | BinaryIO
CHUNK = 64 * 1024

# Markup a browser would act on, anywhere in a "text" file, and what a web page or an
# SVG file starts with. Plain notes that mention "<" or "<b>" are still text.
_ACTIVE_MARKUP = re.compile(r"<\s*(?:html|svg|script|iframe|object|embed)\b", re.IGNORECASE)
_MARKUP_START = re.compile(r"<(?:!doctype\s+html|html|head|body|svg|\?xml|!--)", re.IGNORECASE)


def _as_file(source: Source) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source


def sniff(source: Source, policy: Policy) -> str | None:
    """The kind of document ``source`` is (bytes, or a seekable file, read in chunks),
    judged by its content; None if not allowed.

    Raises ArchiveRefused for a zip archive over the policy's entry count or unpacked
    size (checked from its directory, before anything is unpacked), and MarkupRefused
    for a web page or an SVG image."""
    stream = _as_file(source)
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return _sniff_archive(stream, policy)
    if _is_plain_text(stream):
        return TEXT
    return None


def _is_plain_text(stream: BinaryIO) -> bool:
    """UTF-8 without control characters (other than tab, line breaks and form feed),
    read a chunk at a time; raises MarkupRefused for markup a browser would act on."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    tail = ""  # the end of the previous chunk, so a tag split between chunks is seen
    first = True
    while True:
        chunk = stream.read(CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            return False
        if first:
            if not chunk:
                return False
            if _MARKUP_START.match(text.lstrip()):
                raise MarkupRefused()
            first = False
        if "\x00" in text or any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
            return False
        if _ACTIVE_MARKUP.search(tail + text):
            raise MarkupRefused()
        tail = text[-16:]
        if not chunk:
            return True


def _declared_entries(stream: BinaryIO) -> int | None:
    """How many entries the archive's End of Central Directory record declares, read
    by zipfile's own reader of that record (private, but unchanged for many Python
    releases): enough to refuse a huge directory before zipfile builds it in memory."""
    try:
        record = zipfile._EndRecData(stream)  # type: ignore[attr-defined]
        return int(record[zipfile._ECD_ENTRIES_TOTAL]) if record else None  # type: ignore[attr-defined]
    except (AttributeError, IndexError, OSError, TypeError, ValueError):
        return None
    finally:
        stream.seek(0)


def _sniff_archive(stream: BinaryIO, policy: Policy) -> str | None:
    declared = _declared_entries(stream)
    if declared is not None and declared > policy.max_archive_entries:
        raise ArchiveRefused(f"contains more than {policy.max_archive_entries:,} files")
    try:
        with zipfile.ZipFile(stream) as archive:
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
