"""Your CPD at any size: this year's records a page at a time, earlier years on their
own pages, and counts from aggregate queries, so neither the page nor the work grows
with how much CPD someone has."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlmodel import Session, select

from app import dates
from app.cpd.listing import PAGE_SIZE
from app.db import utcnow
from app.policy import Policy
from app.records.models import DRAFT, RECORDED, CpdRecord
from tests.support.queries import statements_sent

pytestmark = pytest.mark.db


def add_records(
    db: Session,
    owner_id: int,
    count: int,
    *,
    on: dt.date,
    status: str = RECORDED,
    parts: tuple[str, ...] = ("4.1",),
    title: str = "Reading",
) -> None:
    for number in range(count):
        db.add(
            CpdRecord(
                owner_id=owner_id,
                form_type="structured",
                status=status,
                answers={"title": f"{title} {number}", "standard_parts": list(parts)},
                completed_on=on,
                recorded_at=utcnow() if status == RECORDED else None,
            )
        )
    db.commit()


def this_year(policy: Policy) -> tuple[dt.date, dt.date]:
    return dates.registration_year_containing(policy.today(), policy)


# The one query recorder (tests/support/queries.py), by the name this file used.
counting_statements = statements_sent


def _your_cpd(app: Flask, client: FlaskClient) -> tuple[str, int]:
    with counting_statements(app) as statements:
        response = client.get("/your-cpd")
    assert response.status_code == 200
    return response.get_data(as_text=True), len(statements)


def test_the_page_and_its_queries_do_not_grow_beyond_one_page_of_records(
    app: Flask, signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    assert user.id is not None
    # A first visit also writes the browser's new server-side session: not what is
    # measured here.
    _your_cpd(app, signed_in_client)
    start, _ = this_year(policy)
    add_records(db, user.id, 25, on=start)
    add_records(db, user.id, 5, on=start - dt.timedelta(days=400))
    small, small_queries = _your_cpd(app, signed_in_client)
    add_records(db, user.id, 175, on=start)
    add_records(db, user.id, 45, on=start - dt.timedelta(days=400))
    large, large_queries = _your_cpd(app, signed_in_client)
    assert large_queries == small_queries
    # The same twenty cards; only the counts and the page links differ, and GOV.UK
    # pagination shows at most five numbers however many pages there are.
    assert abs(len(large) - len(small)) < 1000
    assert large.count('class="govuk-summary-card"') == PAGE_SIZE


def test_this_years_records_come_a_page_at_a_time_with_govuk_pagination(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    assert user.id is not None
    start, _ = this_year(policy)
    add_records(db, user.id, PAGE_SIZE + 3, on=start)
    first = signed_in_client.get("/your-cpd").get_data(as_text=True)
    assert 'class="govuk-pagination"' in first
    assert "/your-cpd?page=2" in first
    second = signed_in_client.get("/your-cpd?page=2").get_data(as_text=True)
    assert second.count('class="govuk-summary-card"') == 3
    assert "<title>Your CPD (page 2 of 2)" in second
    assert signed_in_client.get("/your-cpd?page=3").status_code == 404
    assert signed_in_client.get("/your-cpd?page=0").status_code == 404


def test_every_draft_is_on_your_cpd_and_earlier_years_have_their_own_pages(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    assert user.id is not None
    start, _ = this_year(policy)
    earlier = start - dt.timedelta(days=30)
    add_records(db, user.id, 2, on=earlier, title="Old course")
    add_records(db, user.id, 1, on=earlier, status=DRAFT, title="Old draft")
    page = signed_in_client.get("/your-cpd").get_data(as_text=True)
    assert "Old draft 0" in page
    assert "Old course" not in page
    earlier_start = dates.registration_year_containing(earlier, policy)[0]
    link = f"/your-cpd/years/{earlier_start.year}"
    assert f'href="{link}"' in page
    year_page = signed_in_client.get(link).get_data(as_text=True)
    assert "Old course 0" in year_page and "Old course 1" in year_page
    assert f"{link}/print" in year_page
    assert signed_in_client.get(f"/your-cpd/years/{start.year - 30}").status_code == 404


def test_progress_counts_parts_shown_this_year_by_aggregate(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    assert user.id is not None
    start, _ = this_year(policy)
    add_records(db, user.id, 3, on=start, parts=("4.1", "4.3"))
    add_records(db, user.id, 1, on=start, status=DRAFT, parts=("4.2",))
    add_records(db, user.id, 1, on=start - dt.timedelta(days=30), parts=("4.4",))
    page = signed_in_client.get("/your-cpd").get_data(as_text=True)
    shown = re.search(r'<ul[^>]*id="parts-shown">(.*?)</ul>', page, re.S)
    assert shown is not None
    numbers = re.findall(r"#part-(\d+-\d+)", shown.group(1))
    assert numbers == ["4-1", "4-3"]
    assert "You have recorded <strong>3</strong> pieces" in page


@contextmanager
def counting_loaded_records() -> Iterator[list[int]]:
    """The ids of the CpdRecord objects the ORM builds from rows meanwhile."""
    loaded: list[int] = []

    def remember(record: CpdRecord, _context: Any) -> None:
        loaded.append(record.id or 0)

    event.listen(CpdRecord, "load", remember)
    try:
        yield loaded
    finally:
        event.remove(CpdRecord, "load", remember)


def test_the_recorded_page_counts_progress_without_loading_every_record(
    signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    assert user.id is not None
    start, _ = this_year(policy)
    add_records(db, user.id, 30, on=start)
    record_id = db.exec(select(CpdRecord.id).where(CpdRecord.owner_id == user.id)).first()
    with counting_loaded_records() as loaded:
        page = signed_in_client.get(f"/your-cpd/{record_id}/recorded")
    assert page.status_code == 200
    assert "You have recorded 30 pieces of CPD this registration year" in page.get_data(
        as_text=True
    )
    assert set(loaded) == {record_id}


def test_drafts_are_on_the_first_page_only_a_page_of_them_and_the_rest_on_their_own_pages(
    app: Flask, signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    """Every page of Your CPD used to list every draft before the recorded CPD: dozens of
    links to Tab past on each page (issue 23, item 5)."""
    assert user.id is not None
    _your_cpd(app, signed_in_client)  # the first visit writes the browser's session
    start, _ = this_year(policy)
    add_records(db, user.id, PAGE_SIZE + 5, on=start, title="Recorded")
    add_records(db, user.id, 2, on=start, status=DRAFT, title="Unfinished")
    few_drafts, few_queries = _your_cpd(app, signed_in_client)
    add_records(db, user.id, 2 * PAGE_SIZE + 3, on=start, status=DRAFT, title="Unfinished more")
    first, first_queries = _your_cpd(app, signed_in_client)
    total = 2 * PAGE_SIZE + 5

    # The first page: a page of drafts at most, then a page of recorded CPD, for the
    # same queries however many drafts there are.
    assert first_queries == few_queries
    assert first.count("Does not count towards your renewal until you record it.") == PAGE_SIZE
    assert first.count('class="govuk-summary-card"') == 2 * PAGE_SIZE
    assert f"You have {total} drafts." in first
    assert 'href="#drafts"' in first and 'href="/your-cpd/drafts"' in first

    # Later pages: no draft, only how many there are and where they are.
    with counting_statements(app) as statements:
        second = signed_in_client.get("/your-cpd?page=2").get_data(as_text=True)
    assert len(statements) < first_queries
    assert "Unfinished" not in second
    assert "Does not count towards your renewal until you record it." not in second
    assert second.count('class="govuk-summary-card"') == 5
    assert f"You have {total} drafts." in second
    assert second.count('href="/your-cpd/drafts"') == 2  # Ready to renew's and the list's

    # Every draft on its own pages, a page at a time.
    pages = [signed_in_client.get(f"/your-cpd/drafts?page={n}") for n in (1, 2, 3, 4)]
    assert [page.status_code for page in pages] == [200, 200, 200, 404]
    cards = [page.get_data(as_text=True).count('class="govuk-summary-card"') for page in pages[:3]]
    assert cards == [PAGE_SIZE, PAGE_SIZE, 5]
    assert "Recorded" not in "".join(page.get_data(as_text=True) for page in pages[:3])
