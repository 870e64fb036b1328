"""Links sent by email that work once, for a while: confirming a sign-up, resetting a
password, moving an account to a new address. The link carries a random token; its row
keeps only the token's hash (a copy of the database opens no link), when the link stops
working and when it was used. Functions take the database session; none commits."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, TypedDict, TypeVar

from sqlmodel import Session, col, select, update

from app.auth.sessions import hash_token, new_token
from app.db import utcnow


class OneTimeLink(Protocol):
    id: int | None
    token_hash: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


class AccountLink(OneTimeLink, Protocol):
    """A link for an account that exists (not a sign-up, which has none yet)."""

    user_id: int


Link = TypeVar("Link", bound=OneTimeLink)
_AccountLink = TypeVar("_AccountLink", bound=AccountLink)


class NewLinkFields(TypedDict):
    token_hash: str
    created_at: dt.datetime
    expires_at: dt.datetime


def new_token_for_link(*, valid_for: dt.timedelta, now: dt.datetime) -> tuple[str, NewLinkFields]:
    """A new token, for the email and nowhere else, and what its row keeps of it."""
    token = new_token()
    return token, NewLinkFields(
        token_hash=hash_token(token), created_at=now, expires_at=now + valid_for
    )


def void_unused(*, db: Session, model: type[_AccountLink], user_id: int, now: dt.datetime) -> None:
    """Stop the account's unused links of this kind working, before a new one is sent."""
    db.exec(
        update(model)
        .where(col(model.user_id) == user_id)
        .where(col(model.used_at).is_(None))
        .values(used_at=now)
    )


def find_usable(*, db: Session, model: type[Link], token: str) -> Link | None:
    """The row of a link that still works: known, unused and not expired."""
    link = db.exec(select(model).where(col(model.token_hash) == hash_token(token))).first()
    if link is None or link.used_at is not None or link.expires_at < utcnow():
        return None
    return link


def claim(*, db: Session, link: OneTimeLink, now: dt.datetime) -> bool:
    """Use the link up. A conditional update, so of two requests presenting it at once
    (a double-click, or an attacker) only one changes the row; False for the other, and
    for a link that has expired since it was found."""
    model = type(link)
    claimed = db.exec(
        update(model)
        .where(col(model.id) == link.id)
        .where(col(model.used_at).is_(None))
        .where(col(model.expires_at) > now)
        .values(used_at=now)
    )
    return bool(claimed.rowcount == 1)
