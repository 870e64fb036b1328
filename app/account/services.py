"""Changing account details, and deleting an account with everything in it.

Each function takes the database session and commits what it changes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.account.models import PendingEmailChange
from app.auth import one_time_links
from app.auth.models import PendingAccount, User
from app.auth.services import find_user_by_email, normalise_email
from app.auth.sessions import revoke_all_sessions
from app.db import delete_with_dependants, scrub_wal, utcnow
from app.policy import Policy
from app.ratelimit_storage import RateLimitCounter
from app.server_sessions import BrowserSession


def change_name(*, db: Session, user: User, full_name: str) -> None:
    user.full_name = full_name.strip()
    db.add(user)
    db.commit()


def change_registration_number(
    *, db: Session, user: User, policy: Policy, registration_number: str | None
) -> None:
    """Stored as sign-up stores it (no spaces, upper case); blank removes it."""
    number = (registration_number or "").strip()
    user.registration_number = policy.normalise_registration_number(number) if number else None
    db.add(user)
    db.commit()


@dataclass(frozen=True)
class EmailChangeRequest:
    """What to email after someone asks to move their account to ``email``: a link
    (token) to confirm it, or, when the address already has an account, a notice to
    that account's owner (``owner``) and no link."""

    email: str
    user: User
    token: str | None = None
    owner: User | None = None


def request_email_change(
    *, db: Session, policy: Policy, user_id: int, email: str
) -> EmailChangeRequest | None:
    """Only the newest link works: asking again (a typo corrected) voids earlier ones."""
    user = db.get(User, user_id)
    if user is None or not user.is_active:
        return None
    email = normalise_email(email)
    owner = find_user_by_email(db=db, email=email)
    if owner is not None:
        return EmailChangeRequest(email=email, user=user, owner=owner)
    now = utcnow()
    one_time_links.void_unused(db=db, model=PendingEmailChange, user_id=user_id, now=now)
    token, fields = one_time_links.new_token_for_link(
        valid_for=policy.account_confirmation_valid_for, now=now
    )
    db.add(PendingEmailChange(user_id=user_id, email=email, **fields))
    db.commit()
    return EmailChangeRequest(email=email, user=user, token=token)


def find_email_change(*, db: Session, token: str) -> PendingEmailChange | None:
    return one_time_links.find_usable(db=db, model=PendingEmailChange, token=token)


@dataclass(frozen=True)
class EmailChanged:
    user: User
    old_email: str


def confirm_email_change(*, db: Session, change: PendingEmailChange) -> EmailChanged | None:
    """Move the account to the confirmed address. None if the link was used meanwhile
    (two clicks at once: the conditional update lets one through), the account was
    deleted, or the address has been given to another account since it was asked for
    (the unique index decides a race)."""
    claimed = one_time_links.claim(db=db, link=change, now=utcnow())
    user = db.get(User, change.user_id)
    if not claimed or user is None or not user.is_active:
        db.rollback()
        return None
    old_email = user.email
    # A sign-up kept for the old address names the person and holds a password hash:
    # it describes nobody once the address has gone.
    db.exec(delete(PendingAccount).where(col(PendingAccount.email) == old_email))
    user.email = change.email
    db.add(user)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return None
    return EmailChanged(user=user, old_email=old_email)


def close_account(*, db: Session, user: User) -> None:
    """What deleting does at once: the account can no longer sign in, get email or be
    found by a reset, and every device it is signed in on is signed out."""
    assert user.id is not None
    user.deleted_at = utcnow()
    db.add(user)
    db.commit()
    revoke_all_sessions(db=db, user_id=user.id)


def purge_account(*, db: Session, user_id: int) -> None:
    """Remove every row of the person, and every copy of them in the database's files:
    the rows that point at the account (CPD records,
    their revisions and documents, kept forms, sessions, reminders, tokens; found from
    the foreign keys, so a table added later goes too) and the rows that name them
    without a foreign key (sign-ups, rate-limit counts, browser sessions)."""
    user = db.get(User, user_id)
    if user is None:
        return
    addresses = {user.email} | set(
        db.exec(select(PendingEmailChange.email).where(PendingEmailChange.user_id == user_id)).all()
    )
    db.exec(delete(PendingAccount).where(col(PendingAccount.email).in_(addresses)))
    # Keys are "<prefix>/account:<address>/<endpoint>/..." and "<prefix>/user:<id>/...".
    counted_as = [f"/account:{address}/" for address in addresses] + [f"/user:{user_id}/"]
    db.exec(
        delete(RateLimitCounter).where(
            or_(*(col(RateLimitCounter.key).contains(key, autoescape=True) for key in counted_as))
        )
    )
    # Flask's session, kept on the server as compact JSON: Flask-Login's "_user_id" in a
    # browser still signed in, and an address a form was sent for ("check your email").
    in_session = [f'"_user_id":"{user_id}"'] + [json.dumps(address) for address in addresses]
    db.exec(
        delete(BrowserSession).where(
            or_(*(col(BrowserSession.data).contains(text, autoescape=True) for text in in_session))
        )
    )
    delete_with_dependants(db, User.__table__, [user_id])  # type: ignore[attr-defined]
    db.commit()
    # Gone from the tables is not gone from the files: SQLite's -wal file still holds
    # the pages as they were before the delete.
    scrub_wal(db.get_bind().engine)


def purge_deleted_accounts(*, db: Session, policy: Policy, now: dt.datetime | None = None) -> int:
    """Purge every account deleted at least the policy's delay ago. Safe to run twice,
    or twice at once: a second run finds nothing left to remove."""
    cutoff = (now or utcnow()) - policy.account_purge_delay
    ids = db.exec(
        select(User.id)
        .where(col(User.deleted_at).is_not(None))
        .where(col(User.deleted_at) <= cutoff)
    ).all()
    for user_id in ids:
        assert user_id is not None
        purge_account(db=db, user_id=user_id)
    return len(ids)
