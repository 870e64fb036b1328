"""Reminder emails: plain, short, saying what is missing and never any CPD text, each
with a one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer

from app.dates import format_date
from app.db import utcnow
from app.links import public_url
from app.mail import send_mail
from app.policy import current_policy
from app.reminders import rules
from app.reminders.services import Reminder
from app.renewal.rules import missing_sentences

SUBJECTS = {
    rules.WINDOW_OPENING: "The renewal window is open",
    rules.WINDOW_CLOSING: "{days} left to renew your registration",
    rules.STALE_DRAFT: "You have a draft of CPD that does not count yet",
}


# v2: the token carries when it was made, and lasts the policy's
# unsubscribe_link_valid_days. v1 tokens (no time, no expiry) no longer read.
UNSUBSCRIBE_SALT = "reminder-unsubscribe.v2"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: str, *, now: dt.datetime | None = None) -> str:
    made = int((now or utcnow()).timestamp())
    return _serializer().dumps({"user": user_id, "kind": kind, "made": made})


@dataclass(frozen=True)
class UnsubscribeLink:
    user_id: int
    kind: str
    # Older than the policy allows: an id in a link must not work for ever (a link
    # forwarded, or kept in an old mailbox, long after it was sent).
    expired: bool


def read_unsubscribe_token(token: str, *, now: dt.datetime | None = None) -> UnsubscribeLink | None:
    """None if the token is not one of ours (or is a v1 token)."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, kind, made = payload.get("user"), payload.get("kind"), payload.get("made")
    if not isinstance(user_id, int) or kind not in rules.KINDS or not isinstance(made, int):
        return None
    valid_for = dt.timedelta(days=current_policy().unsubscribe_link_valid_days)
    age = (now or utcnow()) - dt.datetime.fromtimestamp(made, dt.UTC)
    return UnsubscribeLink(user_id=user_id, kind=kind, expired=age > valid_for)


def send_reminder(reminder: Reminder) -> None:
    assert reminder.user.id is not None
    policy = current_policy()
    status = reminder.status
    unsubscribe = public_url(
        "reminders.unsubscribe", token=unsubscribe_token(reminder.user.id, reminder.kind)
    )
    days = status.days_left
    body = render_template(
        "emails/reminder.txt",
        reminder=reminder,
        status=status,
        kinds=rules,
        format_date=format_date,
        missing=missing_sentences(status),
        days_left=f"{days} {'day' if days == 1 else 'days'}",
        your_cpd=public_url("cpd.your_cpd"),
        choices=public_url("reminders.choose"),
        unsubscribe=unsubscribe,
        policy=policy,
    )
    send_mail(
        to=reminder.user.email,
        subject=SUBJECTS[reminder.kind].format(days=f"{days} {'day' if days == 1 else 'days'}"),
        body=body,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
