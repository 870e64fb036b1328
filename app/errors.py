"""Error pages in the service's own layout: never a bare status line."""

from __future__ import annotations

import time

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.extensions import limiter


def init_app(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(_error: HTTPException) -> tuple[str, int]:
        return render_template("errors/404.html"), 404

    @app.errorhandler(405)
    def method_not_allowed(_error: HTTPException) -> tuple[str, int]:
        return render_template("errors/404.html"), 405

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        app.logger.info("CSRF check failed on %s: %s", request.path, error.description)
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: HTTPException) -> tuple[str, int]:
        limit_mb = (app.config["MAX_CONTENT_LENGTH"] or 0) // (1024 * 1024)
        return render_template("errors/413.html", limit_mb=limit_mb), 413

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException) -> tuple[str, int]:
        return render_template(
            "errors/429.html", description=error.description, wait=_wait_in_words()
        ), 429

    @app.errorhandler(500)
    def server_error(_error: Exception) -> tuple[str, int]:
        return render_template("errors/500.html"), 500


def _wait_in_words() -> str:
    """How long until the limit that was hit lets the person try again."""
    current = limiter.current_limit
    seconds = max(0, current.reset_at - time.time()) if current else 15 * 60
    if seconds > 90 * 60:
        hours = round(seconds / 3600)
        return f"{hours} hours"
    minutes = max(1, round(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
