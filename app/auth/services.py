"""Account rules and transactions. Each function takes the database session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from app.auth.models import PasswordReset, User
from app.auth.passwords import hash_password, password_matches
from app.auth.sessions import hash_token, new_token, revoke_all_sessions
from app.db import utcnow
from app.policy import Policy


class EmailAlreadyRegistered(Exception):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(*, db: Session, email: str) -> User | None:
    return db.exec(select(User).where(User.email == normalise_email(email))).first()


def create_account(
    *,
    db: Session,
    policy: Policy,
    full_name: str,
    email: str,
    registration_number: str | None,
    password: str,
) -> User:
    if find_user_by_email(db=db, email=email) is not None:
        raise EmailAlreadyRegistered(email)
    user = User(
        full_name=full_name.strip(),
        email=normalise_email(email),
        registration_number=(
            policy.normalise_registration_number(registration_number)
            if registration_number
            else None
        ),
        password_hash=hash_password(password),
    )
    db.add(user)
    try:
        db.commit()
    except IntegrityError:
        # Two tabs creating the same account at once: the unique index decides.
        db.rollback()
        raise EmailAlreadyRegistered(email) from None
    db.refresh(user)
    return user


def authenticate(*, db: Session, email: str, password: str) -> User | None:
    user = find_user_by_email(db=db, email=email)
    if not password_matches(user.password_hash if user else None, password):
        return None
    return user


@dataclass(frozen=True)
class IssuedReset:
    user: User
    token: str


def issue_password_reset(*, db: Session, policy: Policy, email: str) -> IssuedReset | None:
    """A single-use token for the account with this address, if there is one.

    Earlier unused tokens for the account stop working: only the newest email's link does.
    """
    user = find_user_by_email(db=db, email=email)
    if user is None or user.id is None:
        return None
    now = utcnow()
    db.exec(
        update(PasswordReset)
        .where(col(PasswordReset.user_id) == user.id)
        .where(col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    token = new_token()
    db.add(
        PasswordReset(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + policy.password_reset_valid_for,
        )
    )
    db.commit()
    return IssuedReset(user=user, token=token)


def find_valid_reset(*, db: Session, token: str) -> PasswordReset | None:
    reset = db.exec(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def complete_password_reset(*, db: Session, reset: PasswordReset, new_password: str) -> User:
    """Set the new password, use up the token and sign the account out everywhere."""
    user = db.get(User, reset.user_id)
    assert user is not None and user.id is not None
    now = utcnow()
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    reset.used_at = now
    db.add(user)
    db.add(reset)
    db.commit()
    revoke_all_sessions(db=db, user_id=user.id)
    return user
