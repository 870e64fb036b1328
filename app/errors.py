"""Error pages in the service's own layout: never a bare status line."""

from __future__ import annotations

import math
import time

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.attempts import TooManyAttempts
from app.db import get_session
from app.extensions import limiter
from app.policy import describe_size
from app.records.models import CpdDocument, CpdRecord
from app.security_log import security_event

Answer = tuple[str, int] | tuple[str, int, dict[str, str]]


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def page_or_fragment(template: str, message: str, status: int, **context: object) -> Answer:
    """An error page, or for an htmx request one short message for the box or status
    line that asked: htmx swaps what it gets into its target, and a whole page there
    (skip link, header, footer) is read out entire by screen readers."""
    if is_htmx():
        body = render_template("errors/_fragment.html", message=message)
        return body, status, {"Vary": "HX-Request"}
    return render_template(template, **context), status


def largest_post_text() -> str:
    """The most one post may send here, in words ("25 MB", "38 KB"): never "0 MB"."""
    return describe_size(request.max_content_length or 0)


def _static_request() -> bool:
    """Static paths get no session (app/server_sessions.py), and every page of the
    layout needs one for its CSRF token: drawing one there failed, and a missing file
    became a 500 with a traceback. Nobody reads these answers but a browser's loader."""
    return request.path.startswith("/static/")


PLAIN = {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(_error: HTTPException) -> ResponseReturnValue:
        if _static_request():
            return "Not found\n", 404, PLAIN
        _log_if_someone_elses(request.view_args or {})
        return page_or_fragment("errors/404.html", NOT_FOUND, 404)

    @app.errorhandler(405)
    def method_not_allowed(_error: HTTPException) -> ResponseReturnValue:
        if _static_request():
            return "Method not allowed\n", 405, PLAIN
        return page_or_fragment("errors/404.html", NOT_FOUND, 405)

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> Answer:
        security_event("csrf_failed", reason=error.description)
        return page_or_fragment("errors/csrf.html", STALE_PAGE, 400)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: HTTPException) -> Answer:
        largest = largest_post_text()
        message = f"This is too large to send in one go: it must be smaller than {largest}."
        return page_or_fragment("errors/413.html", message, 413, largest=largest)

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException) -> ResponseReturnValue:
        reset_at, limit = _refused_by(error)
        security_event("rate_limited", limit=limit)
        # Flask-Limiter adds Retry-After to its own refusals; a guess refused before it
        # was checked (app/attempts.py) says it here.
        headers = {}
        if isinstance(error, TooManyAttempts):
            headers["Retry-After"] = str(max(1, math.ceil(error.reset_at - time.time())))
        wait = _wait_in_words(reset_at)
        message = f"You have tried too many times. Wait {wait} and try again."
        body, status, *more = page_or_fragment(
            "errors/429.html", message, 429, description=error.description, wait=wait
        )
        for extra in more:
            headers.update(extra)
        return body, status, headers

    @app.errorhandler(500)
    def server_error(_error: Exception) -> ResponseReturnValue:
        if _static_request():
            return "Server error\n", 500, PLAIN
        return page_or_fragment("errors/500.html", SERVER_ERROR, 500)


NOT_FOUND = (
    "This could not be found: it may have been removed. Reload the page to see it as it is now."
)
STALE_PAGE = (
    "This page was open for too long to send this. Your text is still here: "
    "use “Save as draft” to keep it."
)
SERVER_ERROR = (
    "Something went wrong on our side, so this was not done. Your text is still here: "
    "try again in a few minutes."
)


def _refused_by(error: HTTPException) -> tuple[float | None, str | None]:
    """When the limit that was hit lets the person try again, and the limit."""
    if isinstance(error, TooManyAttempts):
        return error.reset_at, str(error.limit)
    current = limiter.current_limit
    return (current.reset_at, str(current.limit)) if current else (None, None)


def _wait_in_words(reset_at: float | None) -> str:
    """How long until the limit that was hit lets the person try again."""
    seconds = max(0, reset_at - time.time()) if reset_at is not None else 15 * 60
    if seconds > 90 * 60:
        hours = round(seconds / 3600)
        return f"{hours} hours"
    minutes = max(1, round(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _log_if_someone_elses(view_args: dict[str, object]) -> None:
    """Every route answers 404 for another person's record or document (so nobody
    learns it exists); that is worth a security event, a mistyped address is not."""
    if not current_user.is_authenticated:
        return
    user_id = int(current_user.get_id())
    db = get_session()
    record_id, document_id = view_args.get("record_id"), view_args.get("document_id")
    found: CpdRecord | CpdDocument | None = None
    if isinstance(document_id, int):
        found = db.get(CpdDocument, document_id)
    elif isinstance(record_id, int):
        found = db.get(CpdRecord, record_id)
    if found is not None and found.owner_id != user_id:
        security_event(
            "cross_account_not_found",
            record_id=record_id,
            document_id=document_id,
            owner_id=found.owner_id,
        )
