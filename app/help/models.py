from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from app.db import utcnow

FEEDBACK_MAX_LENGTH = 2000


class Feedback(SQLModel, table=True):
    """What someone told us about the service. Deliberately not linked to an account."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    page: str | None = Field(default=None, max_length=300)
    message: str = Field(max_length=FEEDBACK_MAX_LENGTH)
