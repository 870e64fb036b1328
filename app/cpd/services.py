"""Saving, listing, deleting and restoring CPD. Every function takes the database
session and the owner, so no query can reach another person's records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, update
from sqlalchemy import delete as sa_delete
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, func, select

from app.cpd import anonymity, rules
from app.cpd.models import DRAFT, RECORDED, CpdDocument, CpdRecord, CpdRevision
from app.db import as_utc, utcnow
from app.policy import Policy

# What a person asked for with the button they pressed.
RECORD = "record"  # "Save and record CPD" / "Save changes": must be complete and in limits
DRAFT_ACTION = "draft"  # "Save as draft": keeps anything, checks nothing
ACTIONS = (RECORD, DRAFT_ACTION)


class RecordNotFound(LookupError):
    """No such record for this owner (another person's record is 'not found' too)."""


class VersionConflict(Exception):
    """The save was based on an older version than the one stored."""

    def __init__(self, record: CpdRecord) -> None:
        super().__init__(f"record {record.id} is at version {record.version}")
        self.record = record


def answers_from_form(form: Any, form_type: str) -> dict[str, Any]:
    """The answers a form posted, normalised the way they are counted (CRLF → LF).
    Every answer is kept, including ones a radio choice has hidden, so nothing typed
    disappears because someone changed their mind about the activity type."""
    answers: dict[str, Any] = {}
    for name in rules.TEXT_FIELDS:
        if name in rules.FIELDS_BY_FORM[form_type]:
            answers[name] = rules.normalise_text(form.get(name, ""))
    answers["standard_parts"] = [str(part) for part in form.getlist("standard_parts")]
    # Supporting documents: the ones this form holds, each with its explanation. Which
    # ids are really the record's is checked where the record is known.
    documents: list[dict[str, Any]] = []
    for raw_id in form.getlist("document_ids"):
        if str(raw_id).isdigit() and int(raw_id) not in [d["id"] for d in documents]:
            explanation = rules.normalise_text(form.get(f"document_explanation_{raw_id}", ""))
            documents.append({"id": int(raw_id), "explanation": explanation})
    answers["documents"] = documents
    # Names the person said are not real people (only when there are some, so a record
    # without any keeps the answers it always had).
    not_people = anonymity.not_people_from_form(form)
    if not_people:
        answers[anonymity.NOT_PEOPLE_FIELD] = not_people
    return answers


def document_names(db: Session, answers: Mapping[str, Any]) -> dict[int, str]:
    ids = [int(item["id"]) for item in answers.get("documents") or []]
    if not ids:
        return {}
    rows = db.exec(select(CpdDocument).where(col(CpdDocument.id).in_(ids))).all()
    return {row.id: row.filename for row in rows if row.id is not None}


def recording_problems(
    db: Session,
    answers: Mapping[str, Any],
    form_type: str,
    *,
    policy: Policy,
    extra_problems: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Why these answers cannot be recorded yet, with any problems the view adds (the
    anonymisation confirmation, refused files)."""
    problems = rules.problems_for_recording(
        answers,
        form_type,
        policy=policy,
        today=policy.today(),
        document_names=document_names(db, answers),
    )
    problems.update(extra_problems or {})
    return problems


def _completed_on(answers: Mapping[str, Any], policy: Policy) -> dt.date | None:
    return rules.parse_date_quietly(answers, policy=policy, today=policy.today())


def _revise(
    db: Session,
    record: CpdRecord,
    kind: str,
    answers: Mapping[str, Any],
    *,
    editor: str | None = None,
    autosave: bool = False,
) -> None:
    """Keep this version in the history. An autosave brings the page's own autosaved
    revision up to date if that is still the newest: the page has been neither saved
    nor left since (a new page load has a new token)."""
    assert record.id is not None
    if autosave and editor:
        newest = db.exec(
            select(CpdRevision)
            .where(CpdRevision.record_id == record.id)
            .order_by(col(CpdRevision.id).desc())
            .limit(1)
        ).first()
        if newest is not None and newest.autosaved and newest.editor == editor:
            newest.version = record.version
            newest.kind = kind
            newest.answers = dict(answers)
            newest.saved_at = record.updated_at
            db.add(newest)
            return
    db.add(
        CpdRevision(
            record_id=record.id,
            version=record.version,
            kind=kind,
            answers=dict(answers),
            saved_at=record.updated_at,
            autosaved=autosave,
            editor=editor,
        )
    )


def stands_on(record: CpdRecord, version: int | None, editor: str | None) -> bool:
    """Whether a page that stands on ``version`` may save over ``record``: it is the
    stored version, or the newer one came from the same page (``editor``), its own
    autosave still in flight when the button was pressed."""
    return version == record.version or bool(editor and record.last_editor == editor)


def start_record(
    db: Session, *, owner_id: int, form_type: str, editor: str | None
) -> tuple[CpdRecord, bool]:
    """A new record for a form page, at version 0 with nothing saved yet (not
    committed: the page's save writes its answers and commits), and True; or, when the
    page's other request (its first autosave, or its button) has just made one, that
    record and False. The owner and page token are unique together, so racing requests
    of one page cannot make two records."""
    now = utcnow()
    record = CpdRecord(
        owner_id=owner_id,
        form_type=form_type,
        status=DRAFT,
        version=0,
        answers={},
        created_at=now,
        updated_at=now,
        last_editor=editor,
        origin_editor=editor,
    )
    db.add(record)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        existing = find_by_editor(db, owner_id=owner_id, editor=editor)
        if existing is None:
            raise
        return existing, False
    return record, True


def write_page(
    db: Session,
    record: CpdRecord,
    *,
    answers: dict[str, Any],
    action: str,
    based_on_version: int | None,
    policy: Policy,
    editor: str | None = None,
    autosave: bool = False,
) -> None:
    """Write a page's answers to ``record`` with the revision, and commit: the answers
    have been checked (app/cpd/page.save_page). A draft of changes to recorded CPD is
    kept beside it (``pending_answers``): the recorded version stays what counts.

    Compare-and-set on the version, so two saves racing from two tabs cannot both win
    (VersionConflict). Losing the race to the same page's own save (two of its
    autosaves at once) is no conflict: take the newer version and try again."""
    expected = based_on_version if based_on_version is not None else -1
    for _attempt in range(3):
        claimed = db.execute(
            update(CpdRecord)
            .where(col(CpdRecord.id) == record.id, col(CpdRecord.version) == expected)
            .values(version=expected + 1)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            break
        db.rollback()
        db.refresh(record)
        if not (editor and record.last_editor == editor):
            raise VersionConflict(record)
        expected = record.version
    else:
        raise VersionConflict(record)
    record.version = expected + 1
    record.updated_at = utcnow()
    record.last_editor = editor
    if action == RECORD:
        kind = "Changes saved" if record.is_recorded else "Recorded"
        if not record.is_recorded:
            record.recorded_at = record.updated_at
        record.status = RECORDED
        record.answers = answers
        record.pending_answers = None
        record.completed_on = _completed_on(answers, policy)
    elif record.is_recorded:
        kind = "Draft changes autosaved" if autosave else "Draft changes saved"
        # Identical to what is recorded (an autosave arriving after "Save changes"):
        # there are no pending changes.
        record.pending_answers = None if answers == record.answers else answers
    else:
        kind = "Draft autosaved" if autosave else "Draft saved"
        record.answers = answers
        record.completed_on = _completed_on(answers, policy)
    db.add(record)
    _revise(db, record, kind, answers, editor=editor, autosave=autosave)
    db.commit()


def discard_pending_changes(db: Session, record: CpdRecord, *, based_on_version: int) -> None:
    if based_on_version != record.version:
        raise VersionConflict(record)
    record.pending_answers = None
    record.version += 1
    record.updated_at = utcnow()
    db.add(record)
    _revise(db, record, "Draft changes discarded", record.answers)
    db.commit()


def get_record(db: Session, *, owner_id: int, record_id: int, deleted: bool = False) -> CpdRecord:
    record = db.exec(
        select(CpdRecord).where(
            CpdRecord.id == record_id,
            CpdRecord.owner_id == owner_id,
            col(CpdRecord.deleted_at).is_not(None)
            if deleted
            else col(CpdRecord.deleted_at).is_(None),
        )
    ).first()
    if record is None:
        raise RecordNotFound(record_id)
    return record


def find_by_editor(db: Session, *, owner_id: int, editor: str | None) -> CpdRecord | None:
    """The record a form page already created (its first autosave), if any."""
    if not editor:
        return None
    return db.exec(
        select(CpdRecord).where(
            CpdRecord.owner_id == owner_id,
            CpdRecord.origin_editor == editor,
            col(CpdRecord.deleted_at).is_(None),
        )
    ).first()


def list_records(db: Session, *, owner_id: int) -> Sequence[CpdRecord]:
    return db.exec(
        select(CpdRecord)
        .where(CpdRecord.owner_id == owner_id, col(CpdRecord.deleted_at).is_(None))
        .order_by(col(CpdRecord.completed_on).desc(), col(CpdRecord.updated_at).desc())
    ).all()


def delete_record(db: Session, record: CpdRecord) -> None:
    record.deleted_at = utcnow()
    db.add(record)
    db.commit()


def recently_deleted(db: Session, *, owner_id: int, policy: Policy) -> Sequence[CpdRecord]:
    since = utcnow() - dt.timedelta(days=policy.recently_deleted_days)
    return db.exec(
        select(CpdRecord)
        .where(
            CpdRecord.owner_id == owner_id,
            col(CpdRecord.deleted_at).is_not(None),
            col(CpdRecord.deleted_at) >= since,
        )
        .order_by(col(CpdRecord.deleted_at).desc())
    ).all()


def restore_record(db: Session, *, owner_id: int, record_id: int, policy: Policy) -> CpdRecord:
    record = get_record(db, owner_id=owner_id, record_id=record_id, deleted=True)
    assert record.deleted_at is not None
    deleted_at = as_utc(record.deleted_at)
    if deleted_at < utcnow() - dt.timedelta(days=policy.recently_deleted_days):
        raise RecordNotFound(record_id)
    record.deleted_at = None
    db.add(record)
    db.commit()
    return record


def purge_expired_deletions(db: Session, *, policy: Policy) -> int:
    """Remove records deleted longer ago than the policy keeps them, with everything
    that belongs to them (revisions, documents, ...)."""
    cutoff = utcnow() - dt.timedelta(days=policy.recently_deleted_days)
    ids = list(
        db.exec(
            select(CpdRecord.id).where(
                col(CpdRecord.deleted_at).is_not(None), col(CpdRecord.deleted_at) < cutoff
            )
        )
    )
    if ids:
        delete_with_dependants(db, CpdRecord.__table__, ids)  # type: ignore[attr-defined]
    db.commit()
    return len(ids)


def delete_with_dependants(db: Session, table: Table, ids: Sequence[Any]) -> None:
    """Delete rows by id after the rows of every table that points at them, found from
    the foreign keys, so a table added later is purged too."""
    for child in SQLModel.metadata.sorted_tables:
        for foreign_key in child.foreign_keys:
            if foreign_key.column.table is table and "id" in child.c:
                child_ids = list(
                    db.execute(sa_select(child.c.id).where(foreign_key.parent.in_(ids))).scalars()
                )
                if child_ids:
                    delete_with_dependants(db, child, child_ids)
    db.execute(sa_delete(table).where(table.c.id.in_(ids)))


@dataclass(frozen=True)
class RevisionsPage:
    revisions: Sequence[CpdRevision]
    number: int  # from 1
    count: int  # how many pages there are (at least 1)


def revisions_page(db: Session, record: CpdRecord, *, number: int, size: int) -> RevisionsPage:
    """One page of the record's history, newest first. A page past the last is empty."""
    total = db.exec(
        select(func.count()).select_from(CpdRevision).where(CpdRevision.record_id == record.id)
    ).one()
    found = db.exec(
        select(CpdRevision)
        .where(CpdRevision.record_id == record.id)
        .order_by(col(CpdRevision.version).desc(), col(CpdRevision.id).desc())
        .offset((number - 1) * size)
        .limit(size)
    ).all()
    return RevisionsPage(found, number, max(1, -(-total // size)))
