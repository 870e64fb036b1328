"""Rate limits on what anyone may post, signed in or not: the live checks (the
anonymisation warning and the character counts) and feedback. How much each reads is
limited where its route is (a url_value_preprocessor, before the CSRF check reads the
form), from the policy."""

from __future__ import annotations

from flask_login import current_user

from app.extensions import client_key
from app.policy import current_policy


def person_or_address() -> str:
    """Count per person when signed in, else per address: many people may share one
    workplace address, and they are signed in."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return client_key()


def live_check_rate() -> str:
    return f"{current_policy().live_checks_per_minute} per minute"


def feedback_rate() -> str:
    return f"{current_policy().feedback_posts_per_hour} per hour"
