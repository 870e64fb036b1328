"""A write that could not get the database in time (another write held it longer than
``app.db.BUSY_SECONDS``): nothing was written, and the person's words are not lost.

A form page comes back with every answer it sent and says why; an htmx request (an
autosave, an upload on selection) gets a short message for the status line and a 503
with Retry-After, so the page keeps its copy and sends it again. Any other post (a
deletion, a restore) says nothing was changed. Never a bare 500."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request, session
from sqlalchemy.exc import OperationalError

from app.cpd import form_views, rules
from app.cpd.answers import from_form as answers_from_form
from app.cpd.kept import FORM_ENDPOINTS
from app.cpd.owned import owned_record
from app.db import get_session, is_busy

RETRY_AFTER_SECONDS = 5

BUSY_MESSAGE = (
    "Your CPD could not be saved just now because the service is busy. Nothing was "
    "changed, and your answers are still here: save again in a moment."
)


def database_busy(error: OperationalError) -> Any:
    """Error handler of the CPD pages for a database error."""
    if not is_busy(error):
        raise error
    get_session().rollback()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Vary": "HX-Request"}
    if request.headers.get("HX-Request") == "true":
        body = render_template("pages/cpd/_autosave-status.html", busy=True)
        return body, 503, {**headers, "HX-Retarget": "#autosave-status", "HX-Reswap": "innerHTML"}
    if request.method == "POST" and request.endpoint in FORM_ENDPOINTS:
        record = None
        record_id = (request.view_args or {}).get("record_id")
        if record_id is not None:
            record = owned_record(int(record_id))
        form_type = record.form_type if record else (request.view_args or {}).get("form_type")
        form_type = form_type or request.form.get("form_type", "")
        if form_type in rules.FORM_TYPES:
            flash(BUSY_MESSAGE, "info")
            body, _status = form_views.render_form(
                form_type, answers_from_form(request.form, form_type), record=record
            )
            # The message was put in and taken out again as the page was drawn: the
            # browser session is as it was, so nothing more is written to a busy database.
            session.modified = False
            return body, 503, headers
    return render_template("errors/busy.html"), 503, headers
