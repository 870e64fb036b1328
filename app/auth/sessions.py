"""Server-side sessions: the cookie carries a random token; the record decides.

A session ends when it is revoked (sign-out, password reset), when it has been idle
longer than the policy allows, or when it reaches its absolute age. Replaying a cookie
after any of those finds no active record, so the request is treated as signed out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select, update

from app.auth.models import (
    PERSON_COLUMNS,
    SIGN_IN_COLUMNS,
    SignedInPerson,
    SignIn,
    User,
    UserSession,
    sign_in_and_person,
)
from app.db import as_utc, utcnow
from app.policy import Policy


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class SessionCheck:
    record: SignIn | None
    # Why a presented token did not give a session: "expired", "revoked" or None.
    ended_because: str | None = None
    # Whose session it is, fetched in the same query: this runs on every signed-in request.
    user: SignedInPerson | None = None


def start_session(*, db: Session, user_id: int, device: str | None = None) -> str:
    token = new_token()
    db.add(UserSession(token_hash=hash_token(token), user_id=user_id, device=device))
    db.commit()
    return token


# Built once: building the statement anew on every signed-in request cost more than
# SQLite took to answer it (issue 13's floor).
_SESSION_AND_USER = (
    core_select(*SIGN_IN_COLUMNS, *PERSON_COLUMNS)
    .join_from(UserSession, User, col(User.id) == col(UserSession.user_id))
    .where(col(UserSession.token_hash) == bindparam("token_hash"))
)


def check_session(
    *,
    db: Session,
    token: str,
    policy: Policy,
    touch_after: dt.timedelta,
    now: dt.datetime | None = None,
    read_with_browser_session: tuple[str, tuple[SignIn, SignedInPerson] | None] | None = None,
) -> SessionCheck:
    """Whether ``token`` is a live sign-in, and whose. ``read_with_browser_session`` is
    what the browser session's own query found (app/server_sessions.py): the sign-in
    hash its row names, and that sign-in and its person; used when it is this token's."""
    now = now or utcnow()
    token_hash = hash_token(token)
    found: tuple[SignIn, SignedInPerson] | None
    if read_with_browser_session is not None and read_with_browser_session[0] == token_hash:
        # The browser session's row named this very sign-in and brought it along.
        found = read_with_browser_session[1]
    else:
        row = db.connection().execute(_SESSION_AND_USER, {"token_hash": token_hash}).first()
        found = sign_in_and_person(row) if row is not None else None
    if found is None:
        return SessionCheck(None, "revoked")
    record, user = found
    if record.revoked_at is not None:
        return SessionCheck(None, "revoked")
    idle_too_long = now - record.last_seen_at > policy.session_idle_timeout
    too_old = now - record.created_at > policy.session_absolute_timeout
    if idle_too_long or too_old:
        _set(db, record, revoked_at=now)
        return SessionCheck(None, "expired")
    if now - record.last_seen_at >= touch_after:
        _set(db, record, last_seen_at=now)
    return SessionCheck(record, user=user)


def _set(db: Session, record: SignIn, **values: dt.datetime) -> None:
    db.exec(update(UserSession).where(col(UserSession.id) == record.id).values(**values))
    db.commit()


def touch_session(*, db: Session, token: str) -> None:
    """Count now as activity ("Stay signed in"), whatever the touch interval."""
    record = db.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).first()
    if record is not None and record.revoked_at is None:
        record.last_seen_at = utcnow()
        db.add(record)
        db.commit()


def session_owner(*, db: Session, token: str) -> int | None:
    """The user a session token belonged to, whether or not it is still active."""
    record = db.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).first()
    return record.user_id if record else None


def revoke_session(*, db: Session, token: str) -> None:
    db.exec(
        update(UserSession)
        .where(col(UserSession.token_hash) == hash_token(token))
        .where(col(UserSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    db.commit()


def revoke_all_sessions(*, db: Session, user_id: int) -> None:
    db.exec(
        update(UserSession)
        .where(col(UserSession.user_id) == user_id)
        .where(col(UserSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    db.commit()


def active_sessions(*, db: Session, user_id: int, policy: Policy) -> list[UserSession]:
    """The account's sessions still signed in, most recently used first."""
    now = utcnow()
    records = db.exec(
        select(UserSession)
        .where(col(UserSession.user_id) == user_id)
        .where(col(UserSession.revoked_at).is_(None))
        .order_by(col(UserSession.last_seen_at).desc())
    ).all()
    return [
        record
        for record in records
        if now - as_utc(record.last_seen_at) <= policy.session_idle_timeout
        and now - as_utc(record.created_at) <= policy.session_absolute_timeout
    ]


def end_other_sessions(*, db: Session, user_id: int, keep_token: str) -> None:
    """Every sign-in of the account but ``keep_token``'s ends, in the caller's
    transaction (the caller commits)."""
    db.exec(
        update(UserSession)
        .where(col(UserSession.user_id) == user_id)
        .where(col(UserSession.token_hash) != hash_token(keep_token))
        .where(col(UserSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_other_sessions(*, db: Session, user_id: int, keep_token: str) -> None:
    end_other_sessions(db=db, user_id=user_id, keep_token=keep_token)
    db.commit()
