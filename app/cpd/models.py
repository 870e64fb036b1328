"""CPD records and the history of every version saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow

DRAFT = "draft"
RECORDED = "recorded"


class CpdRecord(SQLModel, table=True):
    """One piece of CPD. ``answers`` is what counts (or, for a draft, what was kept);
    ``pending_answers`` holds draft changes to recorded CPD, so saving a draft never
    turns recorded CPD back into a draft."""

    __tablename__ = "cpd_record"
    __table_args__ = (
        UniqueConstraint("owner_id", "origin_editor", name="uq_cpd_record_owner_origin_editor"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user_account.id", index=True)
    form_type: str = Field(max_length=20)
    status: str = Field(default=DRAFT, max_length=20)
    # Goes up by one at every save; a save based on an older version is a conflict.
    version: int = Field(default=1)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    pending_answers: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    # A random token of the form page that saved last. A page's own autosave that
    # lands just before its button press is not a conflict with itself.
    last_editor: str | None = Field(default=None, max_length=64)
    # The token of the form page that created the record: unique per owner, so a page's
    # first autosave and its button press, racing, cannot make two records.
    origin_editor: str | None = Field(default=None, max_length=64)
    # Copied from the answers that count, for ordering and grouping in queries.
    completed_on: dt.date | None = Field(default=None, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    recorded_at: dt.datetime | None = Field(default=None)
    deleted_at: dt.datetime | None = Field(default=None, index=True)

    @property
    def is_recorded(self) -> bool:
        return self.status == RECORDED

    @property
    def working_answers(self) -> dict[str, Any]:
        """What the edit form opens with: pending draft changes if there are any."""
        return self.pending_answers if self.pending_answers is not None else self.answers


class CpdRevision(SQLModel, table=True):
    """A snapshot written at every save: nothing a person saved is ever overwritten."""

    __tablename__ = "cpd_revision"

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="cpd_record.id", index=True)
    version: int
    saved_at: dt.datetime = Field(default_factory=utcnow)
    # What the save did, in words for the history page ("Recorded", "Draft saved", …).
    kind: str = Field(max_length=40)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class KeptForm(SQLModel, table=True):
    """A CPD form that arrived when its sender's session had ended (or its CSRF token
    had), kept for that person alone to restore after signing in again."""

    __tablename__ = "kept_form"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    form_type: str = Field(max_length=20)
    record_id: int | None = Field(default=None)
    # The answers, and the version and form-page token they were based on.
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    kept_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
