"""Outgoing email. The log backend (default) writes messages to the application log,
so a local run needs no mail server; the smtp backend sends them."""

from __future__ import annotations

import email.policy
import logging
import smtplib
import sys
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from flask import current_app

# A header too long to fold at a space (List-Unsubscribe's link) would otherwise be
# turned into RFC 2047 encoded words, which mail clients do not read as a link; RFC 5322
# allows lines of up to 998 characters.
HEADER_LINES_UNFOLDED = email.policy.default.clone(max_line_length=998)


def send_mail(
    *, to: str, subject: str, body: str, headers: Mapping[str, str] | None = None
) -> None:
    message = EmailMessage(policy=HEADER_LINES_UNFOLDED)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)

    backend = current_app.config["MAIL_BACKEND"]
    if backend == "log":
        # The body as written (not quoted-printable), so a link can be copied from the log.
        _logged_mail().info("Email (not sent, MAIL_BACKEND=log) to %s: %s\n%s", to, subject, body)
        return
    if backend != "smtp":
        raise RuntimeError(f"MAIL_BACKEND={backend!r} is not 'log' or 'smtp'")
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_STARTTLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


class _StandardError(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a message comes (gunicorn and pytest
    both replace it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _logged_mail() -> logging.Logger:
    """The log backend's logger, shown at INFO on standard error: Flask's own logger
    shows only warnings outside debug mode, so under `make run` the confirmation link
    never reached the terminal and nobody could confirm an account locally."""
    log = logging.getLogger("record_cpd.mail")
    if not log.handlers:
        log.addHandler(_StandardError())
        log.setLevel(logging.INFO)
    return log
