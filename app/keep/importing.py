"""Reading "Download all your CPD" back into an account. Everything is checked before
anything is written, and anything that cannot be read refuses the whole file with a
report saying why: a half-imported account would be worse than none. So the writing is
one transaction, committed once: a worker killed half-way, or any failure, leaves
nothing of the file behind.

Every part is bounded, whatever the file claims: the records it may list (the policy's
``max_records_per_account``, and what the account already holds), how much of
records.json is parsed (its size, and the brackets and commas in it, counted before
parsing, which bound the objects parsing could make), how many problems are reported
(``MAX_PROBLEMS``, then how many more), and what it may add to the storage quota.

Only records.json is trusted for structure. Names inside the ZIP are never used as
paths: a document is read only when records.json names an entry that exists, and its
stored name is cleaned like any upload's."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from sqlmodel import Session

from app import uploads
from app.cpd import rules
from app.cpd.answers import parse as parse_answers
from app.cpd.services import records_held
from app.db import utcnow
from app.keep.archive import FORMAT, FORMAT_VERSION, RECORDS_JSON
from app.policy import Policy, describe_size
from app.records.models import DRAFT, RECORDED, CpdRecord, CpdRevision
from app.uploads import quota

MAX_ENTRIES = 20_000
MAX_RECORDS_JSON_BYTES = 50 * 1024 * 1024
# JSON containers and values a record may take in records.json ("{", "[" and ","
# anywhere, text included): an exported record, its draft changes and documents use
# well under a hundred, and long answers full of commas a few hundred more.
MAX_TOKENS_PER_RECORD = 500
# Problems listed on the refusal page; the rest are counted.
MAX_PROBLEMS = 30


class ImportRefused(ValueError):
    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


class Problems:
    """The problems found in a file: the first MAX_PROBLEMS, and how many more."""

    def __init__(self) -> None:
        self.listed: list[str] = []
        self.more = 0

    def append(self, problem: str) -> None:
        if len(self.listed) < MAX_PROBLEMS:
            self.listed.append(problem)
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.listed)

    def reasons(self) -> list[str]:
        if not self.more:
            return list(self.listed)
        more = "1 more problem" if self.more == 1 else f"{self.more:,} more problems"
        return [*self.listed, f"And {more} in the same file"]


@dataclass
class PlannedDocument:
    old_id: int
    checked: uploads.CheckedFile


@dataclass
class PlannedRecord:
    number: int
    form_type: str
    status: str
    answers: dict[str, Any]
    draft_changes: dict[str, Any] | None
    documents: list[PlannedDocument] = field(default_factory=list)


@dataclass
class ImportReport:
    records: int = 0
    documents: int = 0
    # Recorded CPD that today's rules would not record (a limit lowered since): kept,
    # as a draft, with why.
    notes: list[str] = field(default_factory=list)


def _read_entry(archive: zipfile.ZipFile, name: str, limit: int, budget: list[int]) -> bytes:
    """An entry's bytes, reading no more than ``limit`` whatever its header claims."""
    with archive.open(name) as entry:
        data = entry.read(limit + 1)
    if len(data) > limit:
        raise ImportRefused([f"{name} is too large"])
    budget[0] -= len(data)
    if budget[0] < 0:
        raise ImportRefused(["The file unpacks to more than this service accepts"])
    return data


def read_export(
    upload: IO[bytes], *, policy: Policy, scanner: uploads.Scanner
) -> list[PlannedRecord]:
    """Check a whole export; raise ImportRefused listing every problem found."""
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError):
        raise ImportRefused(["The file is not a ZIP file"]) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise ImportRefused([f"The ZIP file has more than {MAX_ENTRIES:,} files in it"])
        names = {entry.filename for entry in entries}
        if RECORDS_JSON not in names:
            raise ImportRefused(
                ["This is not a download of your CPD: it has no list of your CPD in it"]
            )
        budget = [policy.max_import_unpacked_bytes]
        most = policy.max_records_per_account
        try:
            text = _read_entry(archive, RECORDS_JSON, MAX_RECORDS_JSON_BYTES, budget)
            if sum(text.count(mark) for mark in (b"{", b"[", b",")) > most * MAX_TOKENS_PER_RECORD:
                raise ImportRefused([_too_many_records(most)])
            export = json.loads(text)
            del text
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ImportRefused(
                [
                    "The file is damaged: the list of your CPD in it cannot be read. "
                    "Download all your CPD again and import the new file"
                ]
            ) from None
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            raise ImportRefused(
                [
                    "The file is damaged: the list of your CPD in it cannot be opened. "
                    "Download all your CPD again and import the new file"
                ]
            ) from None
        if (
            not isinstance(export, dict)
            or export.get("format") != FORMAT
            or export.get("version") != FORMAT_VERSION
            or not isinstance(export.get("records"), list)
        ):
            raise ImportRefused(["This is not a download of your CPD from this service"])
        if len(export["records"]) > most:
            raise ImportRefused([_too_many_records(most)])
        problems = Problems()
        planned = [
            _plan(number, raw, archive, names, budget, problems, policy, scanner)
            for number, raw in enumerate(export["records"], start=1)
        ]
        if problems:
            raise ImportRefused(problems.reasons())
        return planned


def _too_many_records(most: int) -> str:
    return f"The file holds more CPD records than one account can ({most:,})"


def _plan(
    number: int,
    raw: Any,
    archive: zipfile.ZipFile,
    names: set[str],
    budget: list[int],
    problems: Problems,
    policy: Policy,
    scanner: uploads.Scanner,
) -> PlannedRecord:
    where = f"Record {number}"
    if not isinstance(raw, dict):
        problems.append(f"{where} cannot be read")
        return PlannedRecord(number, rules.STRUCTURED, DRAFT, {}, None)
    form_type = raw.get("form_type")
    if form_type not in rules.FORM_TYPES:
        problems.append(f"{where}: the form is neither the structured nor the unstructured form")
        form_type = rules.STRUCTURED
    status = raw.get("status")
    if status not in (DRAFT, RECORDED):
        problems.append(f"{where}: it is neither a draft nor recorded CPD")
        status = DRAFT
    answers = parse_answers(raw.get("answers"), problems=problems, where=where)
    changes = raw.get("draft_changes")
    draft_changes = (
        None if changes is None else parse_answers(changes, problems=problems, where=where)
    )
    plan = PlannedRecord(number, form_type, status, answers, draft_changes)
    listed = raw.get("documents") or []
    if not isinstance(listed, list):
        problems.append(f"{where}: the document list cannot be read")
        return plan
    if len(listed) > policy.max_documents_per_record * 2:
        problems.append(f"{where} has more documents than a record can hold")
        return plan
    for item in listed:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("id"), int)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("filename"), str)
        ):
            problems.append(f"{where}: a document's details cannot be read")
            continue
        if item["path"] not in names or not item["path"].startswith("documents/"):
            problems.append(f"{where}: the document {item['filename']!r} is not in the ZIP file")
            continue
        name = uploads.clean_filename(item["filename"])
        try:
            data = _read_entry(archive, item["path"], policy.max_document_bytes, budget)
        except ImportRefused as refused:
            problems.append(f"{where}: {name} is larger than {policy.max_document_size_text}")
            if "unpacks" in refused.reasons[0]:
                raise
            continue
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            problems.append(f"{where}: {name} is damaged and cannot be read")
            continue
        checked, refusal = uploads.check_document(name, data, policy=policy, scanner=scanner)
        if checked is None:
            problems.append(f"{where}: {refusal}")
            continue
        plan.documents.append(PlannedDocument(item["id"], checked))
    return plan


def _with_new_ids(answers: dict[str, Any], new_ids: dict[int, int]) -> dict[str, Any]:
    return {
        **answers,
        "documents": [
            {**item, "id": new_ids[item["id"]]}
            for item in answers.get("documents") or []
            if item["id"] in new_ids
        ],
    }


def write_import(
    db: Session,
    *,
    owner_id: int,
    planned: Sequence[PlannedRecord],
    policy: Policy,
    today: dt.date,
) -> ImportReport:
    """Write the checked records in one transaction, committed once at the end: each
    record, its documents and its first revision; then the account's record count and
    storage quota are checked with everything in place (ImportRefused: nothing of it
    is kept)."""
    report = ImportReport()
    stored_bytes = 0
    try:
        held = records_held(db, owner_id=owner_id)
        if held + len(planned) > policy.max_records_per_account:
            raise ImportRefused(
                [
                    f"Your account holds {held:,} CPD records; with the {len(planned):,} in "
                    f"this file it would hold more than one account can "
                    f"({policy.max_records_per_account:,})"
                ]
            )
        for plan in planned:
            stored_bytes += _write_record(db, owner_id, plan, policy, today, report)
        quota.charge(db, owner_id=owner_id, delta=stored_bytes, policy=policy)
    except quota.StorageFull:
        db.rollback()
        raise ImportRefused(
            [
                "The CPD in this file does not fit in your account: it would go past your "
                f"storage limit of {describe_size(policy.storage_quota_bytes)}. Call "
                f"{policy.help_phone} or email {policy.help_email} for help making room"
            ]
        ) from None
    except BaseException:
        db.rollback()
        raise
    db.commit()
    return report


def _write_record(
    db: Session,
    owner_id: int,
    plan: PlannedRecord,
    policy: Policy,
    today: dt.date,
    report: ImportReport,
) -> int:
    """Write one planned record (flushed, not committed); the bytes it stores."""
    status = plan.status
    if status == RECORDED:
        names = {d.old_id: d.checked.filename for d in plan.documents}
        problems = rules.problems_for_recording(
            plan.answers, plan.form_type, policy=policy, today=today, document_names=names
        )
        if problems:
            status = DRAFT
            report.notes.append(
                f"Record {plan.number} was imported as a draft: "
                + "; ".join(sorted(set(problems.values())))
            )
    now = utcnow()
    record = CpdRecord(
        owner_id=owner_id,
        form_type=plan.form_type,
        status=status,
        answers={},
        completed_on=rules.parse_date_quietly(plan.answers, policy=policy, today=today),
        created_at=now,
        updated_at=now,
        recorded_at=now if status == RECORDED else None,
    )
    db.add(record)
    db.flush()
    stored = uploads.store(db, record, [d.checked for d in plan.documents])
    new_ids = {
        planned.old_id: document.id
        for planned, document in zip(plan.documents, stored, strict=True)
        if document.id is not None
    }
    record.answers = _with_new_ids(plan.answers, new_ids)
    if plan.draft_changes is not None:
        record.pending_answers = _with_new_ids(plan.draft_changes, new_ids)
    db.add(record)
    assert record.id is not None
    db.add(
        CpdRevision(
            record_id=record.id,
            version=record.version,
            kind="Imported",
            answers=record.answers,
            saved_at=now,
        )
    )
    report.records += 1
    report.documents += len(new_ids)
    return (
        sum(document.size for document in stored)
        + 2 * quota.size_of(record.answers)  # the record and its revision
        + quota.size_of(record.pending_answers)
    )
