"""An email address change waiting to be confirmed from the new address."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from app.db import utcnow


class PendingEmailChange(SQLModel, table=True):
    """The address changes only when the link sent to it is followed: a typo, or an
    address the person cannot read, never locks them out of their account. Only the
    token's hash is stored, as for password resets."""

    __tablename__ = "pending_email_change"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    email: str = Field(max_length=320)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = Field(default=None)
