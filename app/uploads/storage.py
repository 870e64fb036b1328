"""Documents live in the database (``CpdDocumentContent``), so a backup or a move to
another database carries them. Which documents a version of a record has is part of its
answers (see ``CpdDocument``); this module never decides that, it only stores content."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, func, insert, literal
from sqlmodel import Session, select

from app.db import utcnow
from app.policy import describe_size
from app.records.models import CpdDocument, CpdDocumentContent, CpdRecord
from app.uploads.checks import CheckedFile
from app.uploads.sniffing import KIND_NAMES


def store(db: Session, record: CpdRecord, files: Sequence[CheckedFile]) -> list[CpdDocument]:
    """Store checked files on ``record``, in the caller's transaction (flushed, not
    committed: the save they belong to commits once, or rolls them back with itself).
    The caller adds them to the record's answers."""
    assert record.id is not None
    stored = []
    for checked in files:
        document = CpdDocument(
            record_id=record.id,
            owner_id=record.owner_id,
            filename=checked.filename,
            kind=checked.kind,
            size=checked.size,
            sha256=checked.sha256,
            scan_status=checked.scan_status,
            text_status=checked.text_status,
            findings=checked.findings,
        )
        db.add(document)
        db.flush()
        assert document.id is not None
        checked.content.seek(0)
        content = CpdDocumentContent(document_id=document.id, data=checked.content.read())
        db.add(content)
        db.flush()
        # Written: let the bytes go, so a form's files are in memory one at a time.
        db.expunge(content)
        del content
        checked.content.close()
        stored.append(document)
    return stored


def copy_to(
    db: Session, source: CpdRecord, target: CpdRecord, items: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Copies, on ``target``, of the documents of ``source`` that ``items`` name (each an
    id and an explanation), as a record's answers list them: what "Keep both" keeps with
    the second version. Ids that are not ``source``'s are left out (flushed, not
    committed: part of the caller's transaction)."""
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
            text_status=original.text_status,
            findings=list(original.findings),
        )
        db.add(copy)
        db.flush()
        assert copy.id is not None
        # Copied inside the database: the bytes never come through Python.
        db.execute(
            insert(CpdDocumentContent).from_select(
                ["document_id", "data"],
                select(literal(copy.id), CpdDocumentContent.data).where(
                    CpdDocumentContent.document_id == original.id
                ),
            )
        )
        copied.append({"id": copy.id, "explanation": item.get("explanation", "")})
    return copied


def documents_of(db: Session, record: CpdRecord) -> dict[int, CpdDocument]:
    """Every document ever uploaded to ``record`` (removed ones too), by id."""
    rows = db.exec(select(CpdDocument).where(CpdDocument.record_id == record.id)).all()
    return {row.id: row for row in rows if row.id is not None}


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
    """Not committed: part of the save that takes the document out of the answers."""
    document.removed_at = utcnow()
    db.add(document)


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


def content_chunks(
    engine: Engine, document: CpdDocument, *, chunk: int = 256 * 1024
) -> Iterator[bytes]:
    """The document's bytes, a chunk at a time, each read from the database on its own
    (SQL substr works on SQLite blobs and PostgreSQL bytea alike), so a download never
    holds the whole file. The body is sent after the request's own session has closed,
    so this has a session of its own, and ends its read after every chunk: a slow
    download must not hold a transaction (on PostgreSQL, locks) open while it trickles
    out; a download cut short closes it too."""
    with Session(engine) as db:
        for start in range(0, document.size, chunk):
            part = db.execute(
                select(func.substr(CpdDocumentContent.data, start + 1, chunk)).where(
                    CpdDocumentContent.document_id == document.id
                )
            ).scalar_one()
            db.rollback()
            yield bytes(part)


def read_content(db: Session, document: CpdDocument) -> bytes:
    content = db.exec(
        select(CpdDocumentContent).where(CpdDocumentContent.document_id == document.id)
    ).first()
    assert content is not None
    return content.data


def describe(document: CpdDocument) -> str:
    """What the list of documents says under a name: "PDF, 12 KB"."""
    return f"{KIND_NAMES.get(document.kind, document.kind)}, {describe_size(document.size)}"
