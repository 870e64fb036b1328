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
from app.security_log import security_event


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
        return render_template("errors/404.html"), 404

    @app.errorhandler(405)
    def method_not_allowed(_error: HTTPException) -> ResponseReturnValue:
        if _static_request():
            return "Method not allowed\n", 405, PLAIN
        return render_template("errors/404.html"), 405

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        security_event("csrf_failed", reason=error.description)
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: HTTPException) -> tuple[str, int]:
        limit_mb = (app.config["MAX_CONTENT_LENGTH"] or 0) // (1024 * 1024)
        return render_template("errors/413.html", limit_mb=limit_mb), 413

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException) -> tuple[str, int, dict[str, str]]:
        reset_at, limit = _refused_by(error)
        security_event("rate_limited", limit=limit)
        # Flask-Limiter adds Retry-After to its own refusals; a guess refused before it
        # was checked (app/attempts.py) says it here.
        headers = {}
        if isinstance(error, TooManyAttempts):
            headers["Retry-After"] = str(max(1, math.ceil(error.reset_at - time.time())))
        page = render_template(
            "errors/429.html", description=error.description, wait=_wait_in_words(reset_at)
        )
        return page, 429, headers

    @app.errorhandler(500)
    def server_error(_error: Exception) -> ResponseReturnValue:
        if _static_request():
            return "Server error\n", 500, PLAIN
        return render_template("errors/500.html"), 500


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
