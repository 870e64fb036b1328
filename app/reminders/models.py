"""What reminders were sent (so none is sent twice) and which a person turned off."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class ReminderSent(SQLModel, table=True):
    """One reminder to one person for one occasion: a registration year and its
    milestone, or a draft at its version. The unique constraint is what makes the daily
    command safe to run twice, or twice at once."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "occasion", name="uq_reminder_sent_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    kind: str = Field(max_length=30)
    occasion: str = Field(max_length=60)
    sent_at: dt.datetime = Field(default_factory=utcnow)


class ReminderOptOut(SQLModel, table=True):
    """A kind of reminder a person chose not to get (every kind is on until then)."""

    __tablename__ = "reminder_opt_out"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_reminder_opt_out"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    kind: str = Field(max_length=30)
    chosen_at: dt.datetime = Field(default_factory=utcnow)
