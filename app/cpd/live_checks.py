"""Limits on the live checks (the anonymisation warning and the character counts),
which anyone may post to, signed in or not: how often (here), and how much each reads
(document_views.allow_documents, from the policy's live_check_bytes)."""

from __future__ import annotations

from flask_login import current_user

from app.extensions import client_address
from app.policy import current_policy


def live_check_key() -> str:
    """Rate-limit per person when signed in, else per address (many people may share
    one workplace address, and they are signed in)."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return client_address()


def live_check_rate() -> str:
    return f"{current_policy().live_checks_per_minute} per minute"
