"""What a file is, judged by its bytes, never by its name: PDF, Word (.docx),
OpenDocument text, plain text (UTF-8), JPEG and PNG. Word and OpenDocument files are zip
archives; their entry count and unpacked size are read from the archive's directory
(nothing is unpacked), so a small file that would unpack to gigabytes is refused."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

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
