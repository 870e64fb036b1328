"""File names as people's computers send them, and as downloads send them back."""

from __future__ import annotations

import re
import unicodedata
import urllib.parse

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
