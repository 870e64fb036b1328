"""Account rules and transactions. Each function takes the database session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from app.auth import one_time_links
from app.auth.models import PasswordReset, PendingAccount, User
from app.auth.passwords import hash_password, password_matches
from app.auth.sessions import revoke_all_sessions, revoke_other_sessions
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
    password: str | None = None,
    password_hash: str | None = None,
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
        password_hash=password_hash or hash_password(password or ""),
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
    # A deleted account waiting to be purged answers like a wrong password.
    return user if user is not None and user.is_active else None


@dataclass(frozen=True)
class IssuedReset:
    user: User
    token: str


def issue_password_reset(*, db: Session, policy: Policy, email: str) -> IssuedReset | None:
    """A single-use token for the account with this address, if there is one.

    Earlier unused tokens for the account stop working: only the newest email's link does.
    """
    user = find_user_by_email(db=db, email=email)
    if user is None or user.id is None or not user.is_active:
        return None
    now = utcnow()
    one_time_links.void_unused(db=db, model=PasswordReset, user_id=user.id, now=now)
    token, fields = one_time_links.new_token_for_link(
        valid_for=policy.password_reset_valid_for, now=now
    )
    db.add(PasswordReset(user_id=user.id, **fields))
    db.commit()
    return IssuedReset(user=user, token=token)


def find_valid_reset(*, db: Session, token: str) -> PasswordReset | None:
    return one_time_links.find_usable(db=db, model=PasswordReset, token=token)


def complete_password_reset(*, db: Session, reset: PasswordReset, new_password: str) -> User | None:
    """Use up the token, set the new password and sign the account out everywhere.
    None, changing nothing, if another request used the token first."""
    new_hash = hash_password(new_password)
    now = utcnow()
    if not one_time_links.claim(db=db, link=reset, now=now):
        db.rollback()
        return None
    user = db.get(User, reset.user_id)
    assert user is not None and user.id is not None
    user.password_hash = new_hash
    user.password_changed_at = now
    db.add(user)
    db.commit()
    revoke_all_sessions(db=db, user_id=user.id)
    return user


@dataclass(frozen=True)
class AccountRequest:
    """What to email after someone asks for an account: a confirmation link (token) for
    a new address, or a notice to the owner (existing) when the address is taken."""

    email: str
    full_name: str
    token: str | None = None
    existing: User | None = None


def request_account(
    *,
    db: Session,
    policy: Policy,
    full_name: str,
    email: str,
    registration_number: str | None,
    password_hash: str,
) -> AccountRequest:
    existing = find_user_by_email(db=db, email=email)
    if existing is not None:
        return AccountRequest(email=existing.email, full_name=existing.full_name, existing=existing)
    token, fields = one_time_links.new_token_for_link(
        valid_for=policy.account_confirmation_valid_for, now=utcnow()
    )
    db.add(
        PendingAccount(
            full_name=full_name.strip(),
            email=normalise_email(email),
            registration_number=registration_number,
            password_hash=password_hash,
            **fields,
        )
    )
    db.commit()
    return AccountRequest(email=normalise_email(email), full_name=full_name.strip(), token=token)


def find_pending_account(*, db: Session, token: str) -> PendingAccount | None:
    return one_time_links.find_usable(db=db, model=PendingAccount, token=token)


def confirm_account(*, db: Session, policy: Policy, pending: PendingAccount) -> User:
    """Make the account the link was sent for. The link works once (a conditional
    update, so two clicks at once cannot both pass); the address's unique index
    decides if two sign-ups for one address are confirmed."""
    used = db.exec(
        update(PendingAccount)
        .where(col(PendingAccount.id) == pending.id)
        .where(col(PendingAccount.used_at).is_(None))
        .values(used_at=utcnow())
    )
    db.commit()
    if used.rowcount != 1:
        raise EmailAlreadyRegistered(pending.email)
    return create_account(
        db=db,
        policy=policy,
        full_name=pending.full_name,
        email=pending.email,
        registration_number=pending.registration_number,
        password_hash=pending.password_hash,
    )


def change_password(
    *, db: Session, user: User, current_password: str, new_password: str, keep_token: str
) -> bool:
    """Set a new password if the current one is right; every other session ends (a
    thief signed in elsewhere is put out), this one carries on."""
    if not password_matches(user.password_hash, current_password):
        return False
    assert user.id is not None
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    db.add(user)
    db.commit()
    revoke_other_sessions(db=db, user_id=user.id, keep_token=keep_token)
    return True
