"""CPD records and the history of every version saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, event, false
from sqlmodel import Field, SQLModel

from app.db import utcnow
from app.records import derived

DRAFT = "draft"
RECORDED = "recorded"


class CpdRecord(SQLModel, table=True):
    """One piece of CPD. ``answers`` is what counts (or, for a draft, what was kept);
    ``pending_answers`` holds draft changes to recorded CPD, so saving a draft never
    turns recorded CPD back into a draft."""

    __tablename__ = "cpd_record"
    __table_args__ = (
        UniqueConstraint("owner_id", "origin_editor", name="uq_cpd_record_owner_origin_editor"),
        # Your CPD (app/cpd/listing.py): one page of a person's recorded CPD in a year,
        # newest first, read from the index in order, and counted from it alone; and
        # Ready to renew's count of CPD dated before the year but recorded during it,
        # also from the index alone (hence ``recorded_at``).
        Index(
            "ix_cpd_record_listing",
            "owner_id",
            "status",
            "deleted_at",
            "completed_on",
            "updated_at",
            "recorded_at",
        ),
        # Ready to renew (app/renewal/services.py): how many of a person's records in a
        # year have a peer reflection, counted from this index alone.
        Index(
            "ix_cpd_record_peer_reflection",
            "owner_id",
            "status",
            "deleted_at",
            "has_peer_reflection",
            "completed_on",
        ),
        # Your CPD's parts of the standard shown (app/cpd/listing.parts_shown): each
        # distinct set of parts a person's recorded CPD shows, then its dates.
        Index(
            "ix_cpd_record_parts",
            "owner_id",
            "status",
            "deleted_at",
            "standard_parts_key",
            "completed_on",
        ),
        # Ids are in addresses: never given out twice (see User).
        {"sqlite_autoincrement": True},
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
    # Whether ``answers`` has a peer reflection (derived.has_peer_reflection), kept up to
    # date whenever the answers are written (below), so counting reads no answers.
    has_peer_reflection: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # The parts of the standard ``answers`` show (derived.standard_parts_key), kept the same
    # way, so which parts a year shows is read from an index.
    standard_parts_key: str | None = Field(default=None)

    @property
    def is_recorded(self) -> bool:
        return self.status == RECORDED

    @property
    def working_answers(self) -> dict[str, Any]:
        """What the edit form opens with: pending draft changes if there are any."""
        return self.pending_answers if self.pending_answers is not None else self.answers


@event.listens_for(CpdRecord, "before_insert")
@event.listens_for(CpdRecord, "before_update")
def _keep_peer_reflection(_mapper: Any, _connection: Any, record: CpdRecord) -> None:
    """Every write of a record, whichever code path, stores whether its answers have a
    peer reflection and which parts they show (a bulk ``update()`` of the answers would
    have to set them itself)."""
    record.has_peer_reflection = derived.has_peer_reflection(record.answers or {})
    record.standard_parts_key = derived.standard_parts_key(record.answers or {})


class CpdRevision(SQLModel, table=True):
    """A snapshot written at every save: nothing a person saved is ever overwritten
    (autosaves of one page share one, see ``autosaved``)."""

    __tablename__ = "cpd_revision"

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="cpd_record.id", index=True)
    version: int
    saved_at: dt.datetime = Field(default_factory=utcnow)
    # What the save did, in words for the history page ("Recorded", "Draft saved", …).
    kind: str = Field(max_length=40)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Written by autosave: the autosaves of one form page (``editor``, its token) are
    # this one revision, brought up to date, until that page is saved or left, so the
    # history holds every explicit save without dozens of snapshots per sitting.
    autosaved: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    editor: str | None = Field(default=None, max_length=64)


class KeptForm(SQLModel, table=True):
    """A CPD form that arrived when its sender's session had ended (or its CSRF token
    had), kept for that person alone to restore after signing in again."""

    __tablename__ = "kept_form"
    # In ?restore= addresses: never given out twice (see User).
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    form_type: str = Field(max_length=20)
    record_id: int | None = Field(default=None)
    # The answers, and the version and form-page token they were based on.
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    kept_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime


class CpdDocument(SQLModel, table=True):
    """A supporting document uploaded to a record. Which documents a version of a record
    has is part of its answers (``answers["documents"]``, each an id and the explanation
    of how it shows the CPD standard), so drafts of changes, conflicts and the revision
    history treat documents like any other answer. A removed document keeps its row
    (``removed_at``) and its content, so earlier versions can still show it."""

    __tablename__ = "cpd_document"
    # In addresses: never given out twice (see User).
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="cpd_record.id", index=True)
    owner_id: int = Field(foreign_key="user_account.id", index=True)
    # The name as the person's computer gave it (any characters; shown escaped, sent back
    # in an RFC 6266 Content-Disposition header).
    filename: str = Field(max_length=255)
    # What the content is, judged by its bytes: pdf, docx, odt, text, jpeg or png.
    kind: str = Field(max_length=10)
    size: int
    sha256: str = Field(max_length=64)
    # "clean" (a virus scanner passed it) or "not scanned" (no scanner is configured).
    scan_status: str = Field(max_length=20)
    # "read" (its text was checked for identifiers), or why not: "unreadable", "timed
    # out", "out of memory", "image" (app.uploads.extraction). Never shown as clean.
    text_status: str = Field(max_length=20, sa_column_kwargs={"server_default": "read"})
    # Likely personal identifiers found in the document's text, masked: what the
    # anonymisation warning shows, worked out once at upload.
    findings: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    uploaded_at: dt.datetime = Field(default_factory=utcnow)
    removed_at: dt.datetime | None = Field(default=None)


class CpdDocumentContent(SQLModel, table=True):
    """The bytes of a document, in the database so that a backup or a move to PostgreSQL
    carries them. A table of its own, so listing documents never reads their content."""

    __tablename__ = "cpd_document_content"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="cpd_document.id", unique=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
