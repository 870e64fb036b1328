"""Counts for Ready to renew, by aggregate queries: one row per person, however much
CPD they have."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlmodel import Session, col

from app.cpd.models import DRAFT, RECORDED, CpdRecord
from app.policy import Policy
from app.renewal.rules import RenewalStatus, RenewalYear, YearCounts, renewal_status, renewal_year


def _total(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many of a person's rows meet ``condition`` (0 rather than NULL for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def year_counts(
    db: Session, *, year: RenewalYear, policy: Policy, owner_ids: Collection[int] | None = None
) -> dict[int, YearCounts]:
    """Each person's counts for ``year`` (everyone with CPD, or just ``owner_ids``)."""
    record = CpdRecord
    in_year = and_(col(record.completed_on) >= year.start, col(record.completed_on) <= year.end)
    recorded = col(record.status) == RECORDED
    peer_reflection = func.length(func.trim(record.answers["peer_reflection"].as_string()))
    year_began = dt.datetime.combine(year.start, dt.time(), policy.zone).astimezone(dt.UTC)
    query = (
        select(
            col(record.owner_id),
            _total(and_(recorded, in_year)),
            _total(and_(recorded, in_year, peer_reflection > 0)),
            _total(col(record.status) == DRAFT),
            _total(
                and_(
                    recorded,
                    col(record.completed_on) < year.start,
                    col(record.recorded_at) >= year_began,
                )
            ),
        )
        .where(col(record.deleted_at).is_(None))
        .group_by(col(record.owner_id))
    )
    if owner_ids is not None:
        query = query.where(col(record.owner_id).in_(list(owner_ids)))
    return {
        int(owner): YearCounts(int(counted), int(peer), int(drafts), int(earlier))
        for owner, counted, peer, drafts, earlier in db.execute(query).all()
    }


def status_for(db: Session, *, owner_id: int, policy: Policy, today: dt.date) -> RenewalStatus:
    year = renewal_year(today, policy)
    counts = year_counts(db, year=year, policy=policy, owner_ids=[owner_id])
    return renewal_status(counts.get(owner_id, YearCounts()), policy=policy, today=today)
