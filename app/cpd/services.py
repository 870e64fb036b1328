"""Saving, listing, deleting and restoring CPD. Every function takes the database
session and the owner, so no query can reach another person's records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import JSON, Table, bindparam, case, null, or_, type_coerce, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app.cpd import rules
from app.db import as_utc, delete_with_dependants, utcnow
from app.policy import Policy
from app.records import derived
from app.records.models import DRAFT, RECORDED, CpdDocument, CpdRecord, CpdRevision
from app.uploads import quota

# What a person asked for with the button they pressed.
RECORD = "record"  # "Save and record CPD" / "Save changes": must be complete and in limits
DRAFT_ACTION = "draft"  # "Save as draft": keeps anything, checks nothing
ACTIONS = (RECORD, DRAFT_ACTION)


# The plain statements an autosave's revision needs, built once with bind parameters
# (building them was a tenth of an autosave's Python): the newest revision of a record,
# read as its id, whose page saved it and its size as stored, not as an object with
# its answers decoded; and that revision brought up to date.
_REVISIONS: Table = CpdRevision.__table__  # type: ignore[attr-defined]
_NEWEST_REVISION = (
    sa_select(
        _REVISIONS.c.id,
        _REVISIONS.c.autosaved,
        _REVISIONS.c.editor,
        quota.stored_size(_REVISIONS.c.answers).label("size"),
    )
    .where(_REVISIONS.c.record_id == bindparam("record_id"))
    .order_by(_REVISIONS.c.id.desc())
    .limit(1)
)


def _update_by_id(table: Table, key: str, *columns: str) -> Any:
    """UPDATE one row of ``table``, found by its id (bind parameter ``key``), setting each
    of ``columns`` to the bind parameter of its own name."""
    return (
        update(table)
        .where(table.c.id == bindparam(key))
        .values({name: bindparam(name) for name in columns})
    )


_UPDATE_REVISION = _update_by_id(
    _REVISIONS, "revision_id", "version", "kind", "answers", "saved_at"
)


class RecordNotFound(LookupError):
    """No such record for this owner (another person's record is 'not found' too)."""


class VersionConflict(Exception):
    """The save was based on an older version than the one stored."""

    def __init__(self, record: CpdRecord) -> None:
        super().__init__(f"record {record.id} is at version {record.version}")
        self.record = record


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
    record: CpdRecord | Autosaved,
    kind: str,
    answers: Mapping[str, Any],
    *,
    editor: str | None = None,
    autosave: bool = False,
    size: int | None = None,
) -> int:
    """Keep this version in the history; returns the bytes it adds to the account's
    storage (``size``: the answers' own, if known). An autosave brings the page's own
    autosaved revision up to date if that is still the newest: the page has been
    neither saved nor left since (a new page load has a new token)."""
    assert record.id is not None
    size = quota.size_of(answers) if size is None else size
    if autosave and editor:
        newest = db.execute(_NEWEST_REVISION, {"record_id": record.id}).first()
        if newest is not None and newest.autosaved and newest.editor == editor:
            db.execute(
                _UPDATE_REVISION,
                {
                    "revision_id": newest.id,
                    "version": record.version,
                    "kind": kind,
                    "answers": dict(answers),
                    "saved_at": record.updated_at,
                },
            )
            return size - int(newest.size)
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
    return size


def _not_deleted(deleted: bool) -> Any:
    column = col(CpdRecord.deleted_at)
    return column.is_not(None) if deleted else column.is_(None)


# The statements every save of a record runs, built once (with bind parameters): building
# them on every request was about a fifth of an autosave's instructions.


@cache
def _claim_statement(*, deleted: bool) -> Any:
    """``claim_version``'s compare-and-set, returning the whole row it claimed."""
    return (
        update(CpdRecord)
        .where(
            col(CpdRecord.id) == bindparam("record_id"),
            _not_deleted(deleted),
            or_(
                col(CpdRecord.version) == bindparam("expected"),
                col(CpdRecord.last_editor) == bindparam("editor"),
            ),
        )
        .values(version=CpdRecord.version + 1)
        .returning(CpdRecord)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


@cache
def _record_statement(*, deleted: bool) -> Any:
    """``get_record``'s query: one of the owner's records, by id."""
    return select(CpdRecord).where(
        col(CpdRecord.id) == bindparam("record_id"),
        col(CpdRecord.owner_id) == bindparam("owner_id"),
        _not_deleted(deleted),
    )


def claim_version(
    db: Session,
    record: CpdRecord,
    *,
    expected: int | None,
    editor: str | None,
    deleted: bool = False,
) -> None:
    """The one compare-and-set every write of a record makes, as its first write: the
    version goes up by one if the page stood on the stored version (``expected``), or
    if the newer one came from the same page (``editor``: its own autosave still in
    flight when the button was pressed is no conflict with itself).

    Nothing is written before it, so a lost race leaves nothing behind: the caller's
    transaction is rolled back and VersionConflict carries the stored record. A win
    returns the whole row it updated, which replaces ``record``'s attributes, so what
    the write decides (recorded or draft, which answers count) rests on the version it
    now holds, read in the same statement."""
    assert record.id is not None
    claimed = db.execute(
        _claim_statement(deleted=deleted),
        {
            "record_id": record.id,
            "expected": -1 if expected is None else expected,
            # No page token: NULL, which equals no row's last editor.
            "editor": editor or None,
        },
    ).first()
    if claimed is None:
        db.rollback()
        db.refresh(record)
        raise VersionConflict(record)
    assert claimed[0] is record  # the identity map's one copy, refreshed


def records_held(db: Session, *, owner_id: int) -> int:
    """How many records the account holds, recently deleted ones too (the policy's
    max_records_per_account bounds it)."""
    return int(
        db.exec(
            select(func.count()).select_from(CpdRecord).where(CpdRecord.owner_id == owner_id)
        ).one()
    )


def start_record(
    db: Session, *, owner_id: int, form_type: str, editor: str | None
) -> tuple[CpdRecord, bool]:
    """A new record for a form page (flushed, not committed: the save it belongs to
    writes its answers and commits once), and True; or, when the page's other request
    (its first autosave, or its button) has just made one, that record and False.
    The owner and page token are unique together, so racing requests of one page
    cannot make two records. Must be the transaction's first write: losing the race
    rolls the transaction back."""
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


def write_answers(
    db: Session,
    record: CpdRecord,
    *,
    answers: dict[str, Any],
    action: str,
    policy: Policy,
    editor: str | None = None,
    autosave: bool = False,
    created: bool = False,
    documents_bytes: int = 0,
) -> None:
    """Write a page's answers to ``record``, whose version this transaction has just
    claimed (``claim_version``) or which it has just ``created``, with the revision;
    not committed. The answers have
    been checked (app/cpd/page.save_page). A draft of changes to recorded CPD is kept
    beside it (``pending_answers``): the recorded version stays what counts.

    Counted against the account's storage quota in the same transaction, with the
    ``documents_bytes`` the save stored, as its last write: one compare-and-set
    (quota.StorageFull: the caller rolls back)."""
    stored_before = (
        0 if created else quota.size_of(record.answers) + quota.size_of(record.pending_answers)
    )
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
    grown = _revise(db, record, kind, answers, editor=editor, autosave=autosave)
    grown += quota.size_of(record.answers) + quota.size_of(record.pending_answers) - stored_before
    quota.charge(db, owner_id=record.owner_id, delta=grown + documents_bytes, policy=policy)


# An autosave of a record its page names, without the ORM: loading the record as an
# object, its compare-and-set through the ORM and the unit of work's flush were half of
# an autosave's instructions (issue 24). The same writes, as plain statements built once.
_RECORDS: Table = CpdRecord.__table__  # type: ignore[attr-defined]
_CLAIM_FOR_AUTOSAVE = (
    update(_RECORDS)
    .where(
        _RECORDS.c.id == bindparam("record_id"),
        _RECORDS.c.owner_id == bindparam("owner"),
        _RECORDS.c.form_type == bindparam("form"),
        _RECORDS.c.deleted_at.is_(None),
        or_(
            _RECORDS.c.version == bindparam("expected"),
            _RECORDS.c.last_editor == bindparam("editor"),
        ),
    )
    .values(version=_RECORDS.c.version + 1)
    .returning(
        _RECORDS.c.version,
        _RECORDS.c.status,
        # What counts stays the recorded answers: an autosave of recorded CPD compares
        # with them; a draft's are not needed, only their size.
        type_coerce(
            case((_RECORDS.c.status == RECORDED, _RECORDS.c.answers), else_=null()), JSON
        ).label("recorded_answers"),
        quota.stored_size(_RECORDS.c.answers).label("answers_size"),
        quota.stored_size(_RECORDS.c.pending_answers).label("pending_size"),
    )
)
# What the model's hook keeps for every ORM write (app/records/models.py) is set here too.
_WRITE_DRAFT = _update_by_id(
    _RECORDS,
    "record_id",
    "answers",
    "completed_on",
    "updated_at",
    "last_editor",
    "has_peer_reflection",
    "standard_parts_key",
)
_WRITE_PENDING = _update_by_id(
    _RECORDS, "record_id", "pending_answers", "updated_at", "last_editor"
)


@dataclass
class Autosaved:
    """What an autosave of a named record holds once it has claimed the record's version:
    what the fragment shows (id, version, status, when) and what the write needs."""

    id: int
    owner_id: int
    version: int
    status: str
    updated_at: dt.datetime
    recorded_answers: dict[str, Any] | None  # None for a draft
    # The answers and the draft of changes, as stored before this save.
    answers_bytes: int
    pending_bytes: int

    @property
    def is_recorded(self) -> bool:
        return self.status == RECORDED


def claim_for_autosave(
    db: Session,
    *,
    owner_id: int,
    record_id: int,
    form_type: str,
    expected: int | None,
    editor: str | None,
) -> Autosaved | None:
    """``claim_version`` for an autosave of the owner's record ``record_id``, as its
    first write and the transaction's one compare-and-set, without loading the record:
    the same condition (the page stood on the stored version, or saved the newer one
    itself), and only a record of this owner and form that is not deleted. Returns what
    the write needs, read by the same statement; None if no row was claimed (nothing is
    written: the caller rolls back and finds out why)."""
    claimed = db.execute(
        _CLAIM_FOR_AUTOSAVE,
        {
            "record_id": record_id,
            "owner": owner_id,
            "form": form_type,
            "expected": -1 if expected is None else expected,
            "editor": editor or None,
        },
    ).first()
    if claimed is None:
        return None
    return Autosaved(
        id=record_id,
        owner_id=owner_id,
        version=int(claimed.version),
        status=claimed.status,
        updated_at=utcnow(),
        recorded_answers=claimed.recorded_answers,
        answers_bytes=int(claimed.answers_size),
        pending_bytes=int(claimed.pending_size),
    )


@dataclass(frozen=True)
class AutosaveAnswers:
    """An autosave's answers with what its writes need worked out from them, before its
    first write: on SQLite a write holds the whole database until the commit, so
    nothing that can be done before it is done during it."""

    answers: dict[str, Any]
    size: int  # as stored (quota.size_of)
    completed_on: dt.date | None
    has_peer_reflection: bool
    standard_parts_key: str | None


def prepare_autosave(answers: dict[str, Any], policy: Policy) -> AutosaveAnswers:
    return AutosaveAnswers(
        answers=answers,
        size=quota.size_of(answers),
        completed_on=_completed_on(answers, policy),
        has_peer_reflection=derived.has_peer_reflection(answers),
        standard_parts_key=derived.standard_parts_key(answers),
    )


def write_autosave(
    db: Session,
    claimed: Autosaved,
    prepared: AutosaveAnswers,
    *,
    policy: Policy,
    editor: str | None,
) -> None:
    """``write_answers`` for an autosave (a draft kept, nothing checked) of a record
    ``claim_for_autosave`` has claimed: the answers (a draft's own, or recorded CPD's
    draft of changes beside what is recorded), the page's revision, and the storage
    counter's compare-and-set as the last write; not committed."""
    answers, size = prepared.answers, prepared.size
    if claimed.is_recorded:
        kind = "Draft changes autosaved"
        # Identical to what is recorded: there are no pending changes.
        pending = None if answers == claimed.recorded_answers else answers
        db.execute(
            _WRITE_PENDING,
            {
                "record_id": claimed.id,
                "pending_answers": pending,  # None as the ORM writes it
                "updated_at": claimed.updated_at,
                "last_editor": editor,
            },
        )
        grown = (0 if pending is None else size) - claimed.pending_bytes
    else:
        kind = "Draft autosaved"
        db.execute(
            _WRITE_DRAFT,
            {
                "record_id": claimed.id,
                "answers": answers,
                "completed_on": prepared.completed_on,
                "updated_at": claimed.updated_at,
                "last_editor": editor,
                "has_peer_reflection": prepared.has_peer_reflection,
                "standard_parts_key": prepared.standard_parts_key,
            },
        )
        grown = size - claimed.answers_bytes
    grown += _revise(db, claimed, kind, answers, editor=editor, autosave=True, size=size)
    quota.charge(db, owner_id=claimed.owner_id, delta=grown, policy=policy)


def discard_pending_changes(
    db: Session, record: CpdRecord, *, based_on_version: int, policy: Policy
) -> None:
    """Throw away the draft of changes to recorded CPD (not committed)."""
    claim_version(db, record, expected=based_on_version, editor=None)
    freed = quota.size_of(record.pending_answers)
    record.pending_answers = None
    record.last_editor = None  # an autosave of the page that made them conflicts now
    record.updated_at = utcnow()
    db.add(record)
    grown = _revise(db, record, "Draft changes discarded", record.answers)
    quota.charge(db, owner_id=record.owner_id, delta=grown - freed, policy=policy, limited=False)


def get_record(db: Session, *, owner_id: int, record_id: int, deleted: bool = False) -> CpdRecord:
    record = db.exec(
        _record_statement(deleted=deleted),
        params={"record_id": record_id, "owner_id": owner_id},
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


def delete_record(
    db: Session, record: CpdRecord, *, based_on_version: int | None, policy: Policy
) -> None:
    """Move the record to recently deleted, as a version of its own (not committed)."""
    claim_version(
        db,
        record,
        expected=record.version if based_on_version is None else based_on_version,
        editor=None,
    )
    record.deleted_at = record.updated_at = utcnow()
    record.last_editor = None  # a page still open on it cannot save over the deletion
    db.add(record)
    grown = _revise(db, record, "Deleted", record.working_answers)
    quota.charge(db, owner_id=record.owner_id, delta=grown, policy=policy, limited=False)


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
    """Bring a recently deleted record back, as a version of its own (not committed)."""
    record = get_record(db, owner_id=owner_id, record_id=record_id, deleted=True)
    assert record.deleted_at is not None
    deleted_at = as_utc(record.deleted_at)
    if deleted_at < utcnow() - dt.timedelta(days=policy.recently_deleted_days):
        raise RecordNotFound(record_id)
    claim_version(db, record, expected=record.version, editor=None, deleted=True)
    record.deleted_at = None
    record.updated_at = utcnow()
    db.add(record)
    grown = _revise(db, record, "Restored", record.working_answers)
    quota.charge(db, owner_id=record.owner_id, delta=grown, policy=policy, limited=False)
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
        owners = set(db.exec(select(CpdRecord.owner_id).where(col(CpdRecord.id).in_(ids))).all())
        delete_with_dependants(db, CpdRecord.__table__, ids)  # type: ignore[attr-defined]
        for owner_id in owners:
            quota.recount(db, owner_id=owner_id)
    db.commit()
    return len(ids)


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
