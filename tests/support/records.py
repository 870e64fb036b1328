"""Reading CPD back from a live server's database, as the browser tests check it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, text


def records_of(database_url: str, email: str) -> list[tuple[str, dict]]:
    """(status, answers) of one person's CPD records, oldest first: a test finds its
    own person's records, never "the newest record" of a database other tests share."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT r.status, r.answers FROM cpd_record r JOIN user_account u"
                    " ON u.id = r.owner_id WHERE u.email = :email ORDER BY r.id"
                ),
                {"email": email},
            ).all()
    finally:
        engine.dispose()
    return [(status, a if isinstance(a, dict) else json.loads(a)) for status, a in rows]


def answers_of(database_url: str, email: str) -> list[dict]:
    return [answers for _status, answers in records_of(database_url, email)]


def save_new_page(
    db: Any, *, owner_id: int, policy: Any, editor: str | None = None, **answers: Any
):
    """Save a new unstructured form page as a draft through the one write path, as its
    first autosave or "Save as draft" does."""
    from app.cpd import page, services
    from app.uploads.scanning import not_scanned

    post = page.PagePost(
        form_type="unstructured",
        answers={"standard_parts": [], "documents": [], **answers},
        editor=editor,
        action=services.DRAFT_ACTION,
    )
    return page.save_page(db, owner_id=owner_id, post=post, policy=policy, scanner=not_scanned)


def top_up(database_url: str, email: str, status: str, count: int) -> None:
    """At least ``count`` of one person's CPD of ``status`` (app.records.models' DRAFT or
    RECORDED) dated today, written straight into the database: the same records
    whichever visit comes first."""
    import datetime as dt

    from sqlmodel import Session, select

    from app.auth.models import User
    from app.records.models import RECORDED, CpdRecord

    engine = create_engine(database_url)
    try:
        with Session(engine) as db:
            owner = db.exec(select(User).where(User.email == email)).one()
            dated = dt.date.today()
            have = db.exec(
                select(CpdRecord).where(
                    CpdRecord.owner_id == owner.id,
                    CpdRecord.completed_on == dated,
                    CpdRecord.status == status,
                )
            ).all()
            for number in range(len(have), count):
                db.add(
                    CpdRecord(
                        owner_id=owner.id,
                        form_type="unstructured",
                        status=status,
                        answers={"title": f"Paged {status} {number}", "standard_parts": ["4.1"]},
                        completed_on=dated,
                        recorded_at=dt.datetime.now(dt.UTC) if status == RECORDED else None,
                    )
                )
            db.commit()
    finally:
        engine.dispose()
