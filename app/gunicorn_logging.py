"""gunicorn's logger with tokens taken out of the access log: a reset,
account-confirmation, email-change or unsubscribe link in a log file would let
whoever reads the log use it."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_TOKEN_IN_PATH = re.compile(
    r"(/reset-password/|/create-account/confirm/|/account/confirm-email/|/unsubscribe/)"
    r"[^/?\s\"]+"
)


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1[redacted]", text)


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        # Every text atom: the request line, the path, the Referer, raw environ values.
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
