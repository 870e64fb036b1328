"""The record a CPD page's address names, if it is the signed-in person's (a 404 for
anyone else's: whose ids exist is nobody's business), and the version a form says it
was based on."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from app.cpd import services
from app.db import get_session
from app.records.models import CpdRecord


def current_owner_id() -> int:
    return int(current_user.id)


def owned_record(record_id: int, *, deleted: bool = False) -> CpdRecord:
    try:
        return services.get_record(
            get_session(), owner_id=current_owner_id(), record_id=record_id, deleted=deleted
        )
    except services.RecordNotFound:
        abort(404)


def posted_version() -> int | None:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return None
