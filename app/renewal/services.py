"""Counts for Ready to renew, by aggregate queries: one row per person, however much
CPD they have."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, select, true
from sqlmodel import Session, col

from app.policy import Policy
from app.records.models import DRAFT, RECORDED, CpdRecord
from app.renewal.rules import RenewalStatus, RenewalYear, YearCounts, renewal_status, renewal_year


def _total(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many of a person's rows meet ``condition`` (0 rather than NULL for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _counted(year: RenewalYear, policy: Policy) -> tuple[ColumnElement[bool], ...]:
    """What each of YearCounts' numbers counts, among a person's records that are not
    deleted: the one definition for one person and for everyone."""
    record = CpdRecord
    in_year = and_(col(record.completed_on) >= year.start, col(record.completed_on) <= year.end)
    recorded = col(record.status) == RECORDED
    year_began = dt.datetime.combine(year.start, dt.time(), policy.zone).astimezone(dt.UTC)
    return (
        and_(recorded, in_year),
        # Stored by every write of the record (models.CpdRecord.has_peer_reflection):
        # counted from an index, without reading a record's answers.
        and_(recorded, col(record.has_peer_reflection) == true(), in_year),
        col(record.status) == DRAFT,
        and_(
            recorded,
            col(record.completed_on) < year.start,
            col(record.recorded_at) >= year_began,
        ),
    )


def year_counts(
    db: Session, *, year: RenewalYear, policy: Policy, owner_ids: Collection[int] | None = None
) -> dict[int, YearCounts]:
    """Each person's counts for ``year`` (everyone with CPD, or just ``owner_ids``), in
    one pass over their records."""
    record = CpdRecord
    query = (
        select(col(record.owner_id), *(_total(counted) for counted in _counted(year, policy)))
        .where(col(record.deleted_at).is_(None))
        .group_by(col(record.owner_id))
    )
    if owner_ids is not None:
        query = query.where(col(record.owner_id).in_(list(owner_ids)))
    return {
        int(owner): YearCounts(int(counted), int(peer), int(drafts), int(earlier))
        for owner, counted, peer, drafts, earlier in db.execute(query).all()
    }


def counts_statement(*, owner_id: int, year: RenewalYear, policy: Policy) -> Select[Any]:
    """One person's counts for ``year`` as one statement, each a search of an index
    that holds all it needs (``ix_cpd_record_listing``, ``ix_cpd_record_peer_reflection``),
    never of the records. The year's recorded CPD is counted as those without a peer
    reflection and those with one (which Ready to renew shows as well), so each of the
    year's index entries is read once, not one and a half times; ``counts_for`` adds
    them up. Its columns: without a peer reflection, with one, drafts, dated earlier."""
    record = CpdRecord
    mine = and_(col(record.owner_id) == owner_id, col(record.deleted_at).is_(None))
    in_year, with_peer, drafts, dated_earlier = _counted(year, policy)
    without_peer = and_(in_year, col(record.has_peer_reflection) == false())
    return select(
        *(
            select(func.count()).select_from(record).where(mine, counted).scalar_subquery()
            for counted in (without_peer, with_peer, drafts, dated_earlier)
        )
    )


def counts_for(db: Session, *, owner_id: int, year: RenewalYear, policy: Policy) -> YearCounts:
    """One person's counts for ``year``: what Your CPD shows on every visit."""
    without_peer, with_peer, drafts, dated_earlier = (
        int(count)
        for count in db.execute(counts_statement(owner_id=owner_id, year=year, policy=policy)).one()
    )
    return YearCounts(without_peer + with_peer, with_peer, drafts, dated_earlier)


def status_for(db: Session, *, owner_id: int, policy: Policy, today: dt.date) -> RenewalStatus:
    year = renewal_year(today, policy)
    counts = counts_for(db, owner_id=owner_id, year=year, policy=policy)
    return renewal_status(counts, policy=policy, today=today)
