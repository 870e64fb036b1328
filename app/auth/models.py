"""Accounts, their server-side sessions and password-reset tokens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from sqlalchemy import Row
from sqlmodel import Field, SQLModel

from app.db import utcnow


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    # An id is never given out twice (SQLite would otherwise reuse a deleted highest
    # id): it is in links and signed tokens (unsubscribe, a form's kept_for) that must
    # never reach the next person. PostgreSQL's sequences never go back anyway.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(max_length=200)
    # Stored lower-case so that sign-in does not depend on how the address was typed.
    email: str = Field(max_length=320, unique=True, index=True)
    registration_number: str | None = Field(default=None, max_length=40)
    password_hash: str = Field(max_length=400)
    created_at: dt.datetime = Field(default_factory=utcnow)
    password_changed_at: dt.datetime = Field(default_factory=utcnow)
    # Set when the person deletes the account: from then on it cannot sign in or get
    # email, and `flask purge-deleted-accounts` removes it after the policy's delay.
    deleted_at: dt.datetime | None = Field(default=None, index=True)

    # Flask-Login's user interface, written out because SQLModel classes are pydantic
    # models and do not mix well with UserMixin's properties.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


# Where a browser session (app/server_sessions.py) keeps its sign-in token.
SIGN_IN_TOKEN_KEY = "sid"  # noqa: S105 - a key name, not a secret


class UserSession(SQLModel, table=True):
    """A signed-in session. The cookie holds a random token; only its hash is stored,
    so a copy of the database does not let anyone sign in as a user."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_seen_at: dt.datetime = Field(default_factory=utcnow)
    revoked_at: dt.datetime | None = Field(default=None)
    # "Firefox on Windows": enough for a person to recognise their signed-in devices.
    device: str | None = Field(default=None, max_length=100)


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = Field(default=None)


class PendingAccount(SQLModel, table=True):
    """An account asked for but not yet confirmed from its email address. Nothing is
    made until the link is followed, so the sign-up page answers the same whether or
    not the address already has an account."""

    __tablename__ = "pending_account"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(max_length=200)
    email: str = Field(max_length=320, index=True)
    registration_number: str | None = Field(default=None, max_length=40)
    password_hash: str = Field(max_length=400)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = Field(default=None)


# current_user on every signed-in request is read with the browser session in one Core
# query (app/server_sessions.py): building ORM objects cost more than the query itself
# (issue 13's floor). These are read-only copies of the two rows; a page that changes
# the person works on the ORM User (app.auth.signed_in.signed_in_user).


@dataclass(frozen=True)
class SignedInPerson:
    """Who is signed in: a read-only copy of their user_account row, for Flask-Login."""

    id: int
    full_name: str
    email: str
    registration_number: str | None
    password_hash: str
    created_at: dt.datetime
    password_changed_at: dt.datetime
    deleted_at: dt.datetime | None

    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    def get_id(self) -> str:
        return str(self.id)


@dataclass(frozen=True)
class SignIn:
    """A read-only copy of a user_session row."""

    id: int
    token_hash: str
    user_id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    revoked_at: dt.datetime | None
    device: str | None


def _columns(table: Any, prefix: str) -> list[Any]:
    return [column.label(prefix + column.name) for column in table.c]


# The columns a query selects for the two copies, labelled so one row can hold both.
SIGN_IN_COLUMNS = _columns(UserSession.__table__, "sign_in_")  # type: ignore[attr-defined]
PERSON_COLUMNS = _columns(User.__table__, "person_")  # type: ignore[attr-defined]


def sign_in_and_person(row: Row[Any]) -> tuple[SignIn, SignedInPerson] | None:
    """The two copies from a row selecting SIGN_IN_COLUMNS and PERSON_COLUMNS, or None
    when its outer join found no sign-in or no person."""
    values = row._mapping
    if values["sign_in_id"] is None or values["person_id"] is None:
        return None
    sign_in = SignIn(**{name: values["sign_in_" + name] for name in _SIGN_IN_FIELDS})
    person = SignedInPerson(**{name: values["person_" + name] for name in _PERSON_FIELDS})
    return sign_in, person


_SIGN_IN_FIELDS = [field.name for field in fields(SignIn)]
_PERSON_FIELDS = [field.name for field in fields(SignedInPerson)]
