"""The security log: one logger, ``record_cpd.security``, one JSON object a line.

Each event says what happened, to whom (user id, or a keyed hash of the address tried)
and from where. It never holds a password, a token, a link with a token in it, an
email address or anything from a CPD record: callers pass only the fields below, and
the formatter writes nothing else from the record.

Other parts of the app log their own events on the same logger name
(e.g. ``security_event("upload_refused", reason=...)``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import sys
from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user

LOGGER_NAME = "record_cpd.security"
log = logging.getLogger(LOGGER_NAME)

# Attributes every LogRecord has; anything else was passed as an event field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        line.update((key, value) for key, value in record.__dict__.items() if key not in _STANDARD)
        return json.dumps(line, default=str)


def account_tag(email: str) -> str:
    """Links attempts on one address without writing the address down."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def _context() -> dict[str, Any]:
    if not has_request_context():
        return {}
    user_id = None
    if current_user and current_user.is_authenticated:
        user_id = int(current_user.get_id())
    return {
        "client_address": request.remote_addr,
        "method": request.method,
        # The route's pattern, not the path itself: a path may carry a one-time token.
        "path": request.url_rule.rule if request.url_rule else _path_without_token(),
        "user_id": user_id,
    }


def _path_without_token() -> str:
    path = request.path
    for prefix in (
        "/reset-password/",
        "/create-account/confirm/",
        "/account/confirm-email/",
        "/unsubscribe/",
    ):
        if path.startswith(prefix):
            return prefix + "[redacted]"
    return path


def security_event(event: str, *, level: int = logging.WARNING, **fields: Any) -> None:
    log.log(level, event, extra={**_context(), **fields})


def init_app(app: Flask) -> None:
    """Write the security log to stderr (gunicorn passes it on) as JSON lines, once,
    however many apps the process creates."""
    if not any(getattr(handler, "record_cpd", False) for handler in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.record_cpd = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.INFO)
