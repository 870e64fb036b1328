"""Accounts, their server-side sessions and password-reset tokens."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from app.db import utcnow


class User(SQLModel, table=True):
    __tablename__ = "user_account"

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
