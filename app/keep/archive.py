""" "Download all your CPD": a ZIP written as it is sent. zipfile writes each entry to a
sink that the response drains after every record or document, so memory holds one
document at a time however large the account is."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from sqlmodel import Session

from app import uploads
from app.cpd import presenters, services
from app.db import as_utc, utcnow
from app.keep import printable
from app.policy import Policy
from app.records.models import CpdDocument, CpdRecord

FORMAT = "record-cpd-export"
FORMAT_VERSION = 1
RECORDS_JSON = "records.json"
RECORDS_CSV = "records.csv"
CHUNK = 64 * 1024

CSV_COLUMNS = (
    "id",
    "status",
    "form",
    "title",
    "date completed",
    "parts of the standard",
    "documents",
    "answers",
)


class _Sink(io.RawIOBase):
    """Where zipfile writes; ``take`` hands over what has been written so far. It cannot
    seek, so zipfile writes data descriptors after each entry instead of going back."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        taken = b"".join(self._chunks)
        self._chunks.clear()
        return taken


def document_path(document: CpdDocument) -> str:
    # Made of ids and the cleaned name, so it never depends on what the name contains.
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in document.filename)
    return f"documents/{document.record_id}/{document.id}-{safe[-100:] or 'document'}"


def _iso(moment: Any) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def record_entry(record: CpdRecord, known: dict[int, CpdDocument]) -> dict[str, Any]:
    """A record as records.json holds it: everything needed to bring it back."""
    wanted = {
        int(item["id"])
        for answers in (record.answers, record.pending_answers or {})
        for item in answers.get("documents") or []
    }
    return {
        "id": record.id,
        "form_type": record.form_type,
        "status": record.status,
        "answers": record.answers,
        "draft_changes": record.pending_answers,
        "completed_on": record.completed_on.isoformat() if record.completed_on else None,
        "created_at": _iso(record.created_at),
        "updated_at": _iso(record.updated_at),
        "recorded_at": _iso(record.recorded_at),
        "documents": [
            {
                "id": document.id,
                "filename": document.filename,
                "kind": document.kind,
                "size": document.size,
                "sha256": document.sha256,
                "path": document_path(document),
            }
            for document_id, document in sorted(known.items())
            if document_id in wanted
        ],
    }


# A spreadsheet opening records.csv runs a cell that starts with one of these as a
# formula (=HYPERLINK to another site, +cmd|... to a program). OWASP's CSV injection
# advice: start such a cell with a single quote, which shows it as text. Only the CSV,
# for reading; records.json, which the import reads, keeps every answer as typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_row(record: CpdRecord, known: dict[int, CpdDocument], policy: Policy) -> list[str]:
    return [csv_cell(value) for value in _csv_values(record, known, policy)]


def _csv_values(record: CpdRecord, known: dict[int, CpdDocument], policy: Policy) -> list[str]:
    answers = presenters.answer_list(record.answers, record.form_type, policy)
    return [
        str(record.id),
        record.status,
        presenters.FORM_NAMES[record.form_type],
        presenters.record_title(record, policy),
        presenters.completed_text(record.answers, policy),
        presenters.parts_text(record.answers, policy),
        "; ".join(d.filename for d in known.values() if d.id in _ids(record.answers)),
        "\n\n".join(f"{a.question}\n{a.text}" for a in answers),
    ]


def _ids(answers: dict[str, Any]) -> set[int]:
    return {int(item["id"]) for item in answers.get("documents") or []}


def export_stream(
    db: Session,
    *,
    owner_id: int,
    policy: Policy,
    render_year: Callable[[printable.YearInFull], str],
) -> Iterator[bytes]:
    sink = _Sink()
    records = services.list_records(db, owner_id=owner_id)
    known = printable.documents_by_record(db, owner_id=owner_id)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(RECORDS_JSON, "w") as entry:
            header = {"format": FORMAT, "version": FORMAT_VERSION, "exported_at": _iso(utcnow())}
            entry.write(json.dumps(header)[:-1].encode() + b', "records": [\n')
            for index, record in enumerate(records):
                separator = b",\n" if index else b""
                body = record_entry(record, known.get(record.id or 0, {}))
                entry.write(separator + json.dumps(body, ensure_ascii=False).encode())
                yield sink.take()
            entry.write(b"\n]}\n")

        with archive.open(RECORDS_CSV, "w") as entry:
            text = io.TextIOWrapper(entry, encoding="utf-8-sig", newline="")
            writer = csv.writer(text)
            writer.writerow(CSV_COLUMNS)
            for record in records:
                writer.writerow(_csv_row(record, known.get(record.id or 0, {}), policy))
            text.flush()
            text.detach()
        yield sink.take()

        for start in printable.year_starts(records, policy):
            year = printable.recorded_in_year(db, owner_id=owner_id, start=start, policy=policy)
            name = f"summaries/{year.start.isoformat()}-to-{year.end.isoformat()}.html"
            archive.writestr(name, render_year(year))
            yield sink.take()

        for record in records:
            for document in record_entry(record, known.get(record.id or 0, {}))["documents"]:
                content = uploads.read_content(db, known[record.id or 0][document["id"]])
                with archive.open(document["path"], "w") as entry:
                    for offset in range(0, len(content), CHUNK):
                        entry.write(content[offset : offset + CHUNK])
                        yield sink.take()
                del content
    yield sink.take()
