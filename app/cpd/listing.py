"""What Your CPD lists, read so that its cost does not grow with how much CPD someone
has: one page of recorded CPD at a time, one page of drafts at a time, and counts by
aggregate queries."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, text
from sqlalchemy import select as select_values
from sqlmodel import Session, col, select

from app import dates
from app.cpd import rules
from app.policy import Policy
from app.records import derived
from app.records.models import DRAFT, RECORDED, CpdRecord

# Twenty cards is about what a phone shows in a few screens; the page stays well inside
# the HTML budget at this size.
PAGE_SIZE = 20


class PageNotFound(LookupError):
    """A page number past the last page (or below the first)."""


@dataclass(frozen=True)
class Page:
    records: Sequence[CpdRecord]
    number: int
    total: int

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))

    @property
    def first_shown(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.records) - 1


@dataclass(frozen=True)
class EarlierYear:
    start: dt.date
    end: dt.date
    recorded: int


def _live(owner_id: int) -> ColumnElement[bool]:
    return and_(col(CpdRecord.owner_id) == owner_id, col(CpdRecord.deleted_at).is_(None))


def _recorded_between(owner_id: int, start: dt.date, end: dt.date) -> ColumnElement[bool]:
    return and_(
        _live(owner_id),
        col(CpdRecord.status) == RECORDED,
        col(CpdRecord.completed_on) >= start,
        col(CpdRecord.completed_on) <= end,
    )


def _one_page(
    db: Session,
    *,
    where: ColumnElement[bool],
    order_by: Sequence[ColumnElement[Any]],
    number: int,
    total: int,
) -> Page:
    """Page ``number`` of the records matching ``where``; ``total`` comes from the
    caller's aggregate count, so a page is one query (none when there is nothing)."""
    page = Page((), number, total)
    if not 1 <= number <= page.last:
        raise PageNotFound(number)
    if not total:
        return page
    records = db.exec(
        select(CpdRecord)
        .where(where)
        .order_by(*order_by)
        .offset((number - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return Page(records, number, total)


def recorded_page(
    db: Session, *, owner_id: int, start: dt.date, end: dt.date, number: int, total: int
) -> Page:
    """One page of the CPD recorded in a year, newest first."""
    return _one_page(
        db,
        where=_recorded_between(owner_id, start, end),
        order_by=(col(CpdRecord.completed_on).desc(), col(CpdRecord.updated_at).desc()),
        number=number,
        total=total,
    )


def _count(db: Session, where: ColumnElement[bool]) -> int:
    return int(
        db.execute(select_values(func.count()).select_from(CpdRecord).where(where)).scalar_one()
    )


def recorded_count(db: Session, *, owner_id: int, start: dt.date, end: dt.date) -> int:
    return _count(db, _recorded_between(owner_id, start, end))


def _drafts(owner_id: int) -> ColumnElement[bool]:
    return and_(_live(owner_id), col(CpdRecord.status) == DRAFT)


def draft_count(db: Session, *, owner_id: int) -> int:
    return _count(db, _drafts(owner_id))


def drafts_page(db: Session, *, owner_id: int, number: int, total: int) -> Page:
    """One page of drafts, whatever their date (unfinished work is what people come
    back for), those without a date yet first. ``total``: Ready to renew counts them."""
    return _one_page(
        db,
        where=_drafts(owner_id),
        order_by=(
            col(CpdRecord.completed_on).is_(None).desc(),
            col(CpdRecord.completed_on).desc(),
            col(CpdRecord.updated_at).desc(),
        ),
        number=number,
        total=total,
    )


def earlier_years(
    db: Session, *, owner_id: int, before: dt.date, policy: Policy
) -> list[EarlierYear]:
    """Registration years before ``before`` with recorded CPD, newest first, with how
    much each holds: two queries (the earliest date, then one count a year in one row)."""
    recorded_before = and_(
        _live(owner_id),
        col(CpdRecord.status) == RECORDED,
        col(CpdRecord.completed_on) < before,
    )
    earliest = db.execute(
        select_values(func.min(CpdRecord.completed_on)).where(recorded_before)
    ).scalar_one()
    if earliest is None:
        return []
    years: list[tuple[dt.date, dt.date]] = []
    start, end = dates.registration_year_containing(earliest, policy)
    while start < before:
        years.append((start, end))
        start, end = dates.registration_year_containing(end + dt.timedelta(days=1), policy)
    columns = [
        func.coalesce(
            func.sum(
                case(
                    (
                        and_(
                            col(CpdRecord.completed_on) >= year_start,
                            col(CpdRecord.completed_on) <= year_end,
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
            0,
        )
        for year_start, year_end in years
    ]
    counts = db.execute(select_values(*columns).where(recorded_before)).one()
    return [
        EarlierYear(year_start, year_end, int(count))
        for (year_start, year_end), count in reversed(list(zip(years, counts, strict=True)))
        if count
    ]


# Parts of the standard shown. ``ix_cpd_record_parts`` orders a person's recorded CPD
# by the set of parts each record shows (``standard_parts_key``), then by date. Each
# search names the index's columns in ORDER BY so that it reads the index in order:
# PostgreSQL would not otherwise count "deleted_at IS NULL" as fixing that column, and
# could guess that reading the table until a first match is cheaper.
_PARTS_SHOWN = """
WITH RECURSIVE shown(parts) AS (
    SELECT (
        SELECT r.standard_parts_key FROM cpd_record AS r
        WHERE r.owner_id = :owner AND r.status = :recorded AND r.deleted_at IS NULL
            AND r.standard_parts_key IS NOT NULL
        ORDER BY r.owner_id, r.status, r.deleted_at, r.standard_parts_key LIMIT 1
    )
    UNION ALL
    SELECT (
        SELECT r.standard_parts_key FROM cpd_record AS r
        WHERE r.owner_id = :owner AND r.status = :recorded AND r.deleted_at IS NULL
            AND r.standard_parts_key > shown.parts
        ORDER BY r.owner_id, r.status, r.deleted_at, r.standard_parts_key LIMIT 1
    )
    FROM shown WHERE shown.parts IS NOT NULL
)
SELECT shown.parts FROM shown
WHERE shown.parts IS NOT NULL AND (
    SELECT 1 FROM cpd_record AS r
    WHERE r.owner_id = :owner AND r.status = :recorded AND r.deleted_at IS NULL
        AND r.standard_parts_key = shown.parts
        AND r.completed_on >= :start AND r.completed_on <= :end
    ORDER BY r.owner_id, r.status, r.deleted_at, r.standard_parts_key, r.completed_on
    LIMIT 1
) IS NOT NULL
"""


def parts_shown_statement(
    *, owner_id: int, start: dt.date, end: dt.date
) -> tuple[str, dict[str, Any]]:
    """The SQL of ``parts_shown`` and its parameters. It steps from one distinct set of
    parts to the next (each step one search of the index, however many records share
    the set), and for each asks the index whether a record with it is dated in the year
    (one more search, a subquery with LIMIT, which PostgreSQL keeps a search rather than
    a join over all of the person's records). So its cost follows how many different
    sets of parts someone has chosen (a handful; at most every combination of the
    policy's parts), not how many records they have, and it reads no record."""
    params = {"owner": owner_id, "recorded": RECORDED, "start": start, "end": end}
    return _PARTS_SHOWN, params


def parts_shown(
    db: Session, *, owner_id: int, start: dt.date, end: dt.date, numbers: Sequence[str]
) -> set[str]:
    """Which of ``numbers`` (the policy's parts of the standard) the recorded CPD dated
    in a year shows, from the index of the parts each record shows, in one statement."""
    query, params = parts_shown_statement(owner_id=owner_id, start=start, end=end)
    shown = {
        part for (key,) in db.execute(text(query), params) for part in derived.parts_in_key(key)
    }
    return shown & set(numbers)


def progress(
    db: Session,
    *,
    owner_id: int,
    policy: Policy,
    today: dt.date,
    recorded: int | None = None,
) -> rules.Progress:
    """This registration year's progress (recorded CPD dated in the year, and the parts
    of the standard it shows), from a count and the distinct parts rather than every
    record. ``recorded``: the year's
    count when the caller has it already (Ready to renew counts it the same way), so a
    page counts the year once."""
    start, end = dates.registration_year_containing(today, policy)
    numbers = [part.number for part in policy.standard_parts]
    shown = parts_shown(db, owner_id=owner_id, start=start, end=end, numbers=numbers)
    if recorded is None:
        recorded = recorded_count(db, owner_id=owner_id, start=start, end=end)
    return rules.Progress(
        year_start=start,
        year_end=end,
        recorded=recorded,
        minimum=policy.yearly_minimum_records,
        good_practice=policy.good_practice_records,
        parts_shown=tuple(n for n in numbers if n in shown),
        parts_not_shown=tuple(n for n in numbers if n not in shown),
    )


def pagination(
    page: Page, href: Callable[[int], str], label: str = "Pages of recorded CPD"
) -> dict[str, Any] | None:
    """Parameters for govukPagination: the first, last, current and neighbouring page
    numbers, ellipses between (GOV.UK's pattern); None when one page holds everything."""
    if page.last == 1:
        return None
    wanted = {1, page.last, page.number - 1, page.number, page.number + 1}
    items: list[dict[str, Any]] = []
    previous = 0
    for number in sorted(n for n in wanted if 1 <= n <= page.last):
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append(
            {"number": str(number), "href": href(number), "current": number == page.number}
        )
        previous = number
    params: dict[str, Any] = {"items": items, "landmarkLabel": label}
    if page.number > 1:
        params["previous"] = {"href": href(page.number - 1)}
    if page.number < page.last:
        params["next"] = {"href": href(page.number + 1)}
    return params
