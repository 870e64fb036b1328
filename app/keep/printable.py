"""A record in full, as the print views and the ZIP's yearly summaries show it: every
answer, the documents listed, the parts of the standard with what they mean."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app import dates, uploads
from app.cpd import presenters
from app.policy import Policy, StandardPart
from app.records.models import RECORDED, CpdDocument, CpdRecord


@dataclass(frozen=True)
class ListedDocument:
    filename: str
    description: str
    explanation: str


@dataclass(frozen=True)
class RecordInFull:
    record: CpdRecord
    title: str
    form_name: str
    answers: list[presenters.Answer]
    parts: list[StandardPart]
    documents: list[ListedDocument]


def documents_by_record(db: Session, *, owner_id: int) -> dict[int, dict[int, CpdDocument]]:
    """Every document of a person's records, in one query (never their content)."""
    by_record: dict[int, dict[int, CpdDocument]] = defaultdict(dict)
    for document in db.exec(select(CpdDocument).where(CpdDocument.owner_id == owner_id)):
        assert document.id is not None
        by_record[document.record_id][document.id] = document
    return by_record


def in_full(record: CpdRecord, known: dict[int, CpdDocument], policy: Policy) -> RecordInFull:
    return RecordInFull(
        record=record,
        title=presenters.record_title(record, policy),
        form_name=presenters.FORM_NAMES[record.form_type],
        answers=presenters.answer_list(record.answers, record.form_type, policy),
        parts=presenters.parts_shown(record.answers, policy),
        documents=[
            ListedDocument(document.filename, uploads.describe(document), explanation)
            for document, explanation in uploads.listed(record.answers, known)
        ],
    )


@dataclass(frozen=True)
class YearInFull:
    start: dt.date
    end: dt.date
    heading: str
    records: list[RecordInFull]
    parts_shown: list[StandardPart]
    parts_not_shown: list[StandardPart]


def recorded_in_year(db: Session, *, owner_id: int, start: dt.date, policy: Policy) -> YearInFull:
    """The recorded CPD completed in the registration year beginning ``start``."""
    start, end = dates.registration_year_containing(start, policy)
    records = db.exec(
        select(CpdRecord)
        .where(
            CpdRecord.owner_id == owner_id,
            CpdRecord.status == RECORDED,
            col(CpdRecord.deleted_at).is_(None),
            col(CpdRecord.completed_on) >= start,
            col(CpdRecord.completed_on) <= end,
        )
        .order_by(col(CpdRecord.completed_on), col(CpdRecord.id))
    ).all()
    known = documents_by_record(db, owner_id=owner_id)
    items = [in_full(r, known.get(r.id or 0, {}), policy) for r in records]
    shown = {part.number for item in items for part in item.parts}
    return YearInFull(
        start=start,
        end=end,
        heading=dates.describe_registration_year(start, end),
        records=items,
        parts_shown=[p for p in policy.standard_parts if p.number in shown],
        parts_not_shown=[p for p in policy.standard_parts if p.number not in shown],
    )


def year_starts(records: Sequence[CpdRecord], policy: Policy) -> list[dt.date]:
    """The registration years that hold recorded CPD, newest first."""
    starts = {
        dates.registration_year_containing(r.completed_on, policy)[0]
        for r in records
        if r.is_recorded and r.completed_on is not None
    }
    return sorted(starts, reverse=True)
