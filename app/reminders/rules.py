"""Which reminders are due: pure functions of dates, a person's renewal status and the
policy, tested without a database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.policy import Policy
from app.renewal.rules import RenewalStatus

WINDOW_OPENING = "window-opening"
WINDOW_CLOSING = "window-closing"
STALE_DRAFT = "stale-draft"
KINDS = (WINDOW_OPENING, WINDOW_CLOSING, STALE_DRAFT)

# What the account page and the unsubscribe page call each kind.
DESCRIPTIONS = {
    WINDOW_OPENING: "When the renewal window opens",
    WINDOW_CLOSING: "When the renewal window is closing and you are not ready to renew",
    STALE_DRAFT: "When a draft has not been changed for a while",
}

# The opening reminder is still worth sending this long after the window opened (a day
# the command did not run); after that the closing reminders take over.
OPENING_REMINDER_GRACE_DAYS = 7


@dataclass(frozen=True)
class Due:
    kind: str
    # What makes it this reminder and no other: the registration year and milestone.
    occasion: str
    days_before_close: int


def due_for_year(status: RenewalStatus, *, policy: Policy) -> Due | None:
    """The year's reminder due today for a person in this ``status``, if any: the window
    opening (to everyone), or the nearest closing milestone passed (while not ready)."""
    if not status.window_is_open:
        return None
    year = status.year
    days_before_close = (year.end - status.today).days
    if (status.today - year.window_opens).days < OPENING_REMINDER_GRACE_DAYS:
        return Due(WINDOW_OPENING, f"{year.start.isoformat()}", days_before_close)
    if status.ready:
        return None
    passed = [days for days in policy.closing_reminder_days if days_before_close <= days]
    if not passed:
        return None
    milestone = min(passed)
    return Due(WINDOW_CLOSING, f"{year.start.isoformat()}:{milestone}", days_before_close)


def draft_occasion(record_id: int, version: int) -> str:
    """A draft is reminded about once per version: touch it and leave it again, and the
    next reminder is a new one."""
    return f"{record_id}:{version}"


def stale_before(now: dt.datetime, policy: Policy) -> dt.datetime:
    return now - dt.timedelta(days=policy.stale_draft_reminder_days)
