"""Each account's storage quota (the policy's ``storage_quota_bytes``): its documents,
its drafts and recorded CPD, and every saved version of them.

Documents are measured exactly when they are added. Every other save checks a figure
at most ``CACHE_SECONDS`` old, kept in this process, so an autosave costs a dictionary
look-up rather than a sum over every version the person ever saved; the most an account
can go over is what it can save in that time (a few autosaves)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import String, cast, func
from sqlmodel import Session, select

from app.cpd.models import CpdDocument, CpdRecord, CpdRevision
from app.policy import Policy, describe_size

CACHE_SECONDS = 30.0
_MAX_CACHED = 10_000

# owner id -> (when measured, bytes used)
_measured: dict[int, tuple[float, int]] = {}


def _text_length(column: Any) -> Any:
    return func.coalesce(func.length(cast(column, String)), 0)


def used_bytes(db: Session, *, owner_id: int) -> int:
    """What the account stores, measured now: document sizes plus the length of every
    answers document (records, pending changes and every saved version)."""
    documents = (
        select(func.coalesce(func.sum(CpdDocument.size), 0))
        .where(CpdDocument.owner_id == owner_id)
        .scalar_subquery()
    )
    records = (
        select(
            func.coalesce(
                func.sum(_text_length(CpdRecord.answers) + _text_length(CpdRecord.pending_answers)),
                0,
            )
        )
        .where(CpdRecord.owner_id == owner_id)
        .scalar_subquery()
    )
    versions = (
        select(func.coalesce(func.sum(_text_length(CpdRevision.answers)), 0))
        .join(CpdRecord, CpdRevision.record_id == CpdRecord.id)  # type: ignore[arg-type]
        .where(CpdRecord.owner_id == owner_id)
        .scalar_subquery()
    )
    used = int(db.execute(select(documents + records + versions)).scalar_one())
    if len(_measured) > _MAX_CACHED:
        _measured.clear()
    _measured[owner_id] = (time.monotonic(), used)
    return used


def room_left(db: Session, *, owner_id: int, policy: Policy) -> int:
    """Bytes the account may still store, measured now."""
    return policy.storage_quota_bytes - used_bytes(db, owner_id=owner_id)


def is_full(db: Session, *, owner_id: int, policy: Policy) -> bool:
    """Whether the account has reached its quota, from a recent measurement."""
    measured = _measured.get(owner_id)
    if measured is None or time.monotonic() - measured[0] > CACHE_SECONDS:
        return room_left(db, owner_id=owner_id, policy=policy) <= 0
    return measured[1] >= policy.storage_quota_bytes


def forget(owner_id: int) -> None:
    """Measure again next time (after something was deleted for good)."""
    _measured.pop(owner_id, None)


def full_message(policy: Policy) -> str:
    return (
        f"Your account has reached its storage limit of "
        f"{describe_size(policy.storage_quota_bytes)}, so this was not saved. Your text is "
        f"still here. Call {policy.help_phone} or email {policy.help_email} for help "
        "making room"
    )
