"""Error pages in the service's own layout: never a bare status line."""

from __future__ import annotations

import time

from flask import Flask, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.db import get_session
from app.extensions import limiter
from app.policy import describe_size
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


def init_app(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(_error: HTTPException) -> Answer:
        _log_if_someone_elses(request.view_args or {})
        return page_or_fragment("errors/404.html", NOT_FOUND, 404)

    @app.errorhandler(405)
    def method_not_allowed(_error: HTTPException) -> Answer:
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
    def too_many_requests(error: HTTPException) -> Answer:
        current = limiter.current_limit
        security_event("rate_limited", limit=str(current.limit) if current else None)
        wait = _wait_in_words()
        message = f"You have tried too many times. Wait {wait} and try again."
        return page_or_fragment(
            "errors/429.html", message, 429, description=error.description, wait=wait
        )

    @app.errorhandler(500)
    def server_error(_error: Exception) -> Answer:
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


def _wait_in_words() -> str:
    """How long until the limit that was hit lets the person try again."""
    current = limiter.current_limit
    seconds = max(0, current.reset_at - time.time()) if current else 15 * 60
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
    from app.cpd.models import CpdDocument, CpdRecord  # noqa: PLC0415 - avoids an import cycle

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
