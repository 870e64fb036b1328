"""Reminders: who is due which today, claiming each in the log before it is sent, and
people's choices. Every function takes the database session."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.auth.models import User
from app.policy import Policy
from app.records.models import DRAFT, CpdRecord
from app.reminders import rules
from app.reminders.models import ReminderOptOut, ReminderSent
from app.renewal import services as renewal_services
from app.renewal.rules import RenewalStatus, YearCounts, renewal_status, renewal_year


@dataclass
class Reminder:
    """One email to write: the person, what it is about, and the log rows it claims."""

    user: User
    kind: str
    status: RenewalStatus
    occasions: list[str] = field(default_factory=list)
    drafts: int = 0


def opted_out(db: Session, *, user_id: int) -> set[str]:
    rows = db.exec(select(ReminderOptOut.kind).where(ReminderOptOut.user_id == user_id))
    return set(rows)


def choose(db: Session, *, user_id: int, wanted: Iterable[str]) -> None:
    """Keep exactly the kinds in ``wanted`` on (unknown kinds are ignored)."""
    off = set(rules.KINDS) - set(wanted)
    db.execute(delete(ReminderOptOut).where(col(ReminderOptOut.user_id) == user_id))
    db.add_all(ReminderOptOut(user_id=user_id, kind=kind) for kind in sorted(off))
    db.commit()


def turn_off(db: Session, *, user_id: int, kind: str) -> None:
    if kind in opted_out(db, user_id=user_id) or db.get(User, user_id) is None:
        return
    db.add(ReminderOptOut(user_id=user_id, kind=kind))
    try:
        db.commit()
    except IntegrityError:  # the same link clicked twice at once
        db.rollback()


def due_reminders(
    db: Session, *, policy: Policy, today: dt.date, now: dt.datetime
) -> list[Reminder]:
    """Every reminder due today that has not been sent and was not turned off."""
    year = renewal_year(today, policy)
    counts = renewal_services.year_counts(db, year=year, policy=policy)
    off: dict[int, set[str]] = defaultdict(set)
    for user_id, kind in db.execute(select(ReminderOptOut.user_id, ReminderOptOut.kind)).all():
        off[user_id].add(kind)
    # Only the last year or so of the log can matter today; an older row that still
    # matches is caught by the unique constraint when the reminder is claimed.
    recent = now - dt.timedelta(days=400)
    sent = {
        (user_id, kind, occasion)
        for user_id, kind, occasion in db.execute(
            select(ReminderSent.user_id, ReminderSent.kind, ReminderSent.occasion).where(
                col(ReminderSent.sent_at) >= recent
            )
        ).all()
    }
    stale = _stale_drafts(db, policy=policy, now=now)
    reminders: list[Reminder] = []
    for user in db.exec(select(User).where(col(User.deleted_at).is_(None)).order_by(col(User.id))):
        assert user.id is not None
        status = renewal_status(counts.get(user.id, YearCounts()), policy=policy, today=today)
        due = rules.due_for_year(status, policy=policy)
        if due and due.kind not in off[user.id] and (user.id, due.kind, due.occasion) not in sent:
            reminders.append(Reminder(user, due.kind, status, [due.occasion]))
        occasions = [
            occasion
            for occasion in stale.get(user.id, [])
            if (user.id, rules.STALE_DRAFT, occasion) not in sent
        ]
        if occasions and rules.STALE_DRAFT not in off[user.id]:
            reminders.append(
                Reminder(user, rules.STALE_DRAFT, status, occasions, drafts=len(occasions))
            )
    return reminders


def _stale_drafts(db: Session, *, policy: Policy, now: dt.datetime) -> dict[int, list[str]]:
    cutoff = rules.stale_before(now, policy)
    rows = db.execute(
        select(CpdRecord.owner_id, CpdRecord.id, CpdRecord.version).where(
            col(CpdRecord.status) == DRAFT,
            col(CpdRecord.deleted_at).is_(None),
            col(CpdRecord.updated_at) <= cutoff,
        )
    ).all()
    by_owner: dict[int, list[str]] = defaultdict(list)
    for owner_id, record_id, version in rows:
        by_owner[owner_id].append(rules.draft_occasion(record_id, version))
    return by_owner


def claim(db: Session, reminder: Reminder) -> bool:
    """Write the reminder into the log before sending it; False when another run got
    there first (the unique constraint), so it is never sent twice."""
    assert reminder.user.id is not None
    db.add_all(
        ReminderSent(user_id=reminder.user.id, kind=reminder.kind, occasion=occasion)
        for occasion in reminder.occasions
    )
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return False
    return True


def release(db: Session, reminder: Reminder) -> None:
    """Sending failed: forget the claim so tomorrow's run tries again."""
    db.execute(
        delete(ReminderSent).where(
            col(ReminderSent.user_id) == reminder.user.id,
            col(ReminderSent.kind) == reminder.kind,
            col(ReminderSent.occasion).in_(reminder.occasions),
        )
    )
    db.commit()


@dataclass
class RunReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def send_due(
    db: Session,
    *,
    policy: Policy,
    today: dt.date,
    now: dt.datetime,
    send: Callable[[Reminder], None],
) -> RunReport:
    report = RunReport()
    reminders: Sequence[Reminder] = due_reminders(db, policy=policy, today=today, now=now)
    for reminder in reminders:
        if not claim(db, reminder):
            report.skipped += 1
            continue
        try:
            send(reminder)
        except OSError:  # smtplib's errors are OSErrors: one bad send does not stop the run
            release(db, reminder)
            report.failed += 1
        else:
            report.sent += 1
    return report
