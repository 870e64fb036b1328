"""Each account's storage quota (the policy's ``storage_quota_bytes``): its documents,
its drafts and recorded CPD, every saved version of them, and forms kept for it after
its session ended.

What an account stores is one number (``StorageUse``), changed by every write in the
write's own transaction with one compare-and-set (``charge``): a write that would take
the account over its quota changes nothing, whichever worker or instance it reaches,
and an autosave costs one short UPDATE rather than a sum over every version the person
ever saved. ``measure`` is that sum, for the migration that fills the number in, for a
recount after records are purged, and for tests that check the two agree.

Answers are counted as the database stores them: the length of their JSON text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    bindparam,
    cast,
    func,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, col, select

from app.policy import Policy, describe_size
from app.records.models import CpdDocument, CpdRecord, CpdRevision, KeptForm
from app.uploads.full import RecordsFull, StorageFull

__all__ = [
    "RecordsFull",
    "StorageFull",
    "StorageUse",
    "charge",
    "measure",
    "recount",
    "room_left",
    "size_of",
]


class StorageUse(SQLModel, table=True):
    """How many bytes an account stores, kept by every write (see the module)."""

    __tablename__ = "storage_use"

    owner_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id"), primary_key=True)
    )
    stored_bytes: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


_STORAGE_USE: Table = StorageUse.__table__  # type: ignore[attr-defined]


def size_of(answers: Mapping[str, Any] | None) -> int:
    """The bytes a set of answers (or a kept form's data) counts for: the length of
    the JSON text the database stores, as SQLAlchemy's JSON type writes it. None (no
    draft of changes) counts for nothing, whether stored as SQL NULL or JSON null."""
    return 0 if answers is None else len(json.dumps(answers))


def stored_size(column: Any) -> Any:
    """In SQL, what ``size_of`` says of a JSON column's value: the length of its text;
    0 for SQL NULL and for JSON null alike."""
    return func.coalesce(func.length(func.nullif(cast(column, String), "null")), 0)


def measure(db: Session, *, owner_id: int) -> int:
    """What the account stores, summed now from every table that counts."""
    documents = (
        select(func.coalesce(func.sum(CpdDocument.size), 0))
        .where(CpdDocument.owner_id == owner_id)
        .scalar_subquery()
    )
    records = (
        select(
            func.coalesce(
                func.sum(stored_size(CpdRecord.answers) + stored_size(CpdRecord.pending_answers)),
                0,
            )
        )
        .where(CpdRecord.owner_id == owner_id)
        .scalar_subquery()
    )
    versions = (
        select(func.coalesce(func.sum(stored_size(CpdRevision.answers)), 0))
        .join(CpdRecord, CpdRevision.record_id == CpdRecord.id)  # type: ignore[arg-type]
        .where(CpdRecord.owner_id == owner_id)
        .scalar_subquery()
    )
    kept = (
        select(func.coalesce(func.sum(stored_size(KeptForm.data)), 0))
        .where(KeptForm.user_id == owner_id)
        .scalar_subquery()
    )
    return int(db.execute(select(documents + records + versions + kept)).scalar_one())


def used_bytes(db: Session, *, owner_id: int) -> int:
    """What the account stores, by its counter (measured once if it has none yet)."""
    stored = db.exec(select(StorageUse.stored_bytes).where(StorageUse.owner_id == owner_id)).first()
    return measure(db, owner_id=owner_id) if stored is None else int(stored)


def room_left(db: Session, *, owner_id: int, policy: Policy) -> int:
    """Bytes the account may still store."""
    return policy.storage_quota_bytes - used_bytes(db, owner_id=owner_id)


def is_full(db: Session, *, owner_id: int, policy: Policy) -> bool:
    """Whether the account has reached its quota."""
    return room_left(db, owner_id=owner_id, policy=policy) <= 0


def _start_counting(db: Session, *, owner_id: int) -> int | None:
    """Give an account its counter, measured, if it has none (an account made before
    counters, or never written for). Measured inside the caller's transaction, so it
    includes what that transaction has written. Returns what was measured, or None if
    a racing request's own insert won (its counter is then the one to charge)."""
    measured = measure(db, owner_id=owner_id)
    dialect = db.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    inserted = db.execute(
        insert(StorageUse)
        .values(owner_id=owner_id, stored_bytes=measured)
        .on_conflict_do_nothing()
        .returning(col(StorageUse.owner_id))
    ).first()
    return measured if inserted is not None else None


@cache
def _charge_statement(dialect: str, *, refusing: bool) -> Any:
    """The counter's compare-and-set, built once per database and kind, with bind
    parameters ``owner``, ``delta`` and ``quota``: a plain UPDATE on the table (the ORM
    holds no StorageUse objects to keep in step), never below 0, and, when
    ``refusing``, only while the account stays within its quota."""
    use = _STORAGE_USE.c
    floor = func.greatest if dialect == "postgresql" else func.max
    delta = bindparam("delta", type_=BigInteger)
    statement = (
        update(_STORAGE_USE)
        .where(use.owner_id == bindparam("owner"))
        .values(stored_bytes=floor(0, use.stored_bytes + delta))
        .returning(use.stored_bytes)
    )
    if refusing:
        statement = statement.where(use.stored_bytes + delta <= bindparam("quota"))
    return statement


def charge(db: Session, *, owner_id: int, delta: int, policy: Policy, limited: bool = True) -> None:
    """Count ``delta`` bytes (less than 0: freed) against the account's quota, in the
    caller's transaction: one compare-and-set, so two writes at once cannot both take
    the last of the room. Raises StorageFull (the caller rolls back) if a write that
    grows the account would take it past its quota, unless not ``limited`` (deleting,
    restoring and discarding are counted but never refused: they are how room is made)."""
    if delta == 0:
        return
    refusing = delta > 0 and limited
    statement = _charge_statement(db.get_bind().dialect.name, refusing=refusing)
    values = {"owner": owner_id, "delta": delta}
    if refusing:
        values["quota"] = policy.storage_quota_bytes
    for _attempt in range(2):
        if db.execute(statement, values).first() is not None:
            return
        if db.get(StorageUse, owner_id) is not None:
            raise StorageFull(owner_id)
        measured = _start_counting(db, owner_id=owner_id)  # this write included
        if measured is not None:
            if limited and delta > 0 and measured > policy.storage_quota_bytes:
                raise StorageFull(owner_id)
            return
    raise StorageFull(owner_id)


def recount(db: Session, *, owner_id: int) -> None:
    """Set the account's counter to what it stores (after records are purged)."""
    if _start_counting(db, owner_id=owner_id) is not None:
        return
    measured = measure(db, owner_id=owner_id)
    db.execute(
        update(StorageUse).where(col(StorageUse.owner_id) == owner_id).values(stored_bytes=measured)
    )


def full_message(policy: Policy) -> str:
    return (
        f"Your account has reached its storage limit of "
        f"{describe_size(policy.storage_quota_bytes)}, so this was not saved. Your text is "
        f"still here. Call {policy.help_phone} or email {policy.help_email} for help "
        "making room"
    )


def records_full_message(policy: Policy) -> str:
    return (
        f"Your account holds {policy.max_records_per_account:,} CPD records, the most one "
        "account can, so this was not saved. Your text is still here. Delete records you "
        f"no longer need, or call {policy.help_phone} or email {policy.help_email} for help"
    )
