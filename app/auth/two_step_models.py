"""Two-step sign-in's tables. Both belong to one account and go with it: the foreign keys
cascade on delete, so deleting a user_account row removes them too."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.db import utcnow


def _owner_column(*, unique: bool) -> Column:
    return Column(
        Integer,
        ForeignKey("user_account.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        unique=unique,
    )


class TwoStepSetting(SQLModel, table=True):
    """An account's authenticator secret. While ``confirmed_at`` is empty it is only being
    set up (the person has not yet typed a code from the app) and sign-in ignores it."""

    __tablename__ = "two_step_setting"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_owner_column(unique=True))
    # Encrypted with app.auth.secret_box; never shown again once confirmed.
    sealed_secret: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utcnow)
    confirmed_at: dt.datetime | None = Field(default=None)
    # The last time step whose code was accepted: that code, and any older one, is
    # refused from then on (RFC 6238 section 5.2), so an overheard code cannot be reused.
    last_used_step: int | None = Field(default=None, sa_type=BigInteger)


class RecoveryCode(SQLModel, table=True):
    """One one-time recovery code, kept only as a salted scrypt hash."""

    __tablename__ = "two_step_recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_owner_column(unique=False))
    code_hash: str = Field(max_length=64)
    # One salt per batch: a guess costs one scrypt however many codes are left.
    salt: str = Field(max_length=32)
    created_at: dt.datetime = Field(default_factory=utcnow)
    used_at: dt.datetime | None = Field(default=None)
