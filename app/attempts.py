"""Guesses (passwords, two-step codes) counted before they are checked.

A limit tested before a request and counted after it lets every request that arrives
together pass the test: 24 wrong passwords sent at once had 11 checked against a limit
of 5. Here each guess is counted first, by the storage's atomic increment (Redis INCR,
the database's INSERT ... ON CONFLICT ... RETURNING), and the count it gets decides: of
any number sent at once, only as many as the limit allows are checked. A guess that
turns out right is given back (signing in costs nothing); one refused is given back at
once. A guess whose count is already full is refused on a read and writes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import current_app
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from app.extensions import limiter
from app.ratelimit_storage import refund


class TooManyAttempts(TooManyRequests):
    """Answered by the 429 page, which says how long to wait."""

    def __init__(self, *, reset_at: float, limit: RateLimitItem) -> None:
        super().__init__()
        self.reset_at = reset_at
        self.limit = limit


@dataclass(frozen=True)
class Limit:
    """One setting (e.g. "5 per minute; 10 per 15 minutes") applied to one key."""

    setting: str
    scope: str
    key: str

    def tiers(self) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        identifiers = (current_app.config["RATELIMIT_KEY_PREFIX"], self.scope, self.key)
        return [(tier, identifiers) for tier in parse_many(self.setting)]


@dataclass
class Attempt:
    """The counts one guess took; give them back if it was right."""

    counted: list[tuple[RateLimitItem, tuple[str, ...]]] = field(default_factory=list)

    def refund(self) -> None:
        storage = limiter.storage
        for tier, identifiers in self.counted:
            refund(storage, tier.key_for(*identifiers))
        self.counted = []


def count_attempt(*limits: Limit) -> Attempt:
    """Count one guess against every tier of every limit, or raise TooManyAttempts
    having counted nothing."""
    strategy = limiter.limiter
    tiers = [tier for lim in limits for tier in lim.tiers()]
    full = [(tier, ids) for tier, ids in tiers if not strategy.test(tier, *ids)]
    if full:
        raise _refused(full)
    attempt = Attempt()
    for tier, identifiers in tiers:
        count = limiter.storage.incr(tier.key_for(*identifiers), tier.get_expiry())
        attempt.counted.append((tier, identifiers))
        # The increment's own answer decides: requests arriving together each get a
        # different count, and only those within the limit go on.
        if count > tier.amount:
            attempt.refund()
            raise _refused([(tier, identifiers)])
    return attempt


def _refused(full: list[tuple[RateLimitItem, tuple[str, ...]]]) -> TooManyAttempts:
    # The person may try again once every full tier has a new window.
    strategy = limiter.limiter
    ends = [(strategy.get_window_stats(tier, *ids).reset_time, tier) for tier, ids in full]
    reset_at, tier = max(ends, key=lambda end: end[0])
    return TooManyAttempts(reset_at=max(reset_at, time.time()), limit=tier)
