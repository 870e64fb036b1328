"""Rate-limit counts in the app's own database, for the embedded default (SQLite, no
other server): every gunicorn worker, and every instance sharing the database, sees the
same counts. Redis (REDIS_URL) replaces it where several servers share the load and
Redis is at hand.

Why a table rather than a second file or memory: the counts must survive a worker
restart and be shared by every worker, and the database is the one thing every worker
already shares. One upsert per hit keeps each count atomic, on SQLite and PostgreSQL.

A request already over its limit is refused on a read (ReadFirstFixedWindow): counting
it too would write to the database once per refused request, the one kind of request
an attacker can send without end.

What a hit costs: every statement here is one atomic statement, so the counter's
engine commits each by itself (no BEGIN and COMMIT round trips), and a request
remembers what its read and its increment learned of each counter (``_seen``), so the
answer's X-RateLimit headers and the 429 page's wait are worked out without two more
reads. A live count (sent at every pause in typing) used to make four statements on
four connections; now one read and one increment, and a refused one only the read.
"""

from __future__ import annotations

import time
from typing import Any

from flask import has_request_context, request
from limits import RateLimitItem
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import STRATEGIES, FixedWindowRateLimiter
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, SQLModel

from app.db import make_engine

SCHEME_PREFIX = "database+"


class RateLimitCounter(SQLModel, table=True):
    __tablename__ = "rate_limit_counter"

    key: str = Field(primary_key=True, max_length=400)
    count: int
    # Seconds since the epoch (the clock `limits` itself uses for windows).
    expires_at: float = Field(index=True)


_INCREMENT = text(
    """
    INSERT INTO rate_limit_counter (key, count, expires_at)
    VALUES (:key, :amount, :now + :expiry)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limit_counter.expires_at <= :now
                     THEN :amount ELSE rate_limit_counter.count + :amount END,
        expires_at = CASE WHEN rate_limit_counter.expires_at <= :now
                          THEN :now + :expiry ELSE rate_limit_counter.expires_at END
    RETURNING count, expires_at
    """
)

_READ = text("SELECT count, expires_at FROM rate_limit_counter WHERE key = :key")

# A counter as this request last read or wrote it: (count, expires_at), None if absent.
_Counter = tuple[int, float] | None
_SEEN = "record_cpd.rate_limit_counters"


def _seen() -> dict[str, _Counter]:
    """What this request has learned of each counter, kept in its WSGI environ so it
    ends with the request (an app context can outlive one, as in tests); outside a
    request nothing is remembered."""
    if not has_request_context():
        return {}
    seen: dict[str, _Counter] = request.environ.setdefault(_SEEN, {})
    return seen


_REFUND = text(
    "UPDATE rate_limit_counter SET count = count - 1 "
    "WHERE key = :key AND count > 0 AND expires_at > :now"
)


class DatabaseStorage(Storage):
    """A `limits` storage (fixed windows) on a SQLAlchemy database URL:
    ``database+sqlite:///path/to.db`` or ``database+postgresql+psycopg://...``."""

    STORAGE_SCHEME = ["database+sqlite", "database+postgresql", "database+postgresql+psycopg"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.engine: Engine = make_engine(uri.removeprefix(SCHEME_PREFIX), autocommit=True)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self.engine.connect() as connection:
            count, expires_at = connection.execute(
                _INCREMENT, {"key": key, "amount": amount, "now": time.time(), "expiry": expiry}
            ).one()
        _seen()[key] = (int(count), float(expires_at))
        return int(count)

    def refund(self, key: str) -> None:
        """Give one back to a window still open; never below nothing, and never into a
        window that has ended (that would give the next window an extra try)."""
        _seen().pop(key, None)
        with self.engine.connect() as connection:
            connection.execute(_REFUND, {"key": key, "now": time.time()})

    def _counter(self, key: str) -> _Counter:
        seen = _seen()
        if key not in seen:
            with self.engine.connect() as connection:
                row = connection.execute(_READ, {"key": key}).first()
            seen[key] = None if row is None else (int(row[0]), float(row[1]))
        return seen[key]

    def get(self, key: str) -> int:
        counter = self._counter(key)
        if counter is None or counter[1] <= time.time():
            return 0  # no window, or it has ended
        return counter[0]

    def get_expiry(self, key: str) -> float:
        counter = self._counter(key)
        return time.time() if counter is None else counter[1]

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        _seen().clear()
        with self.engine.connect() as connection:
            return connection.execute(text("DELETE FROM rate_limit_counter")).rowcount

    def clear(self, key: str) -> None:
        _seen().pop(key, None)
        with self.engine.connect() as connection:
            connection.execute(
                text("DELETE FROM rate_limit_counter WHERE key = :key"), {"key": key}
            )

    def purge_expired(self) -> int:
        """Forget windows that have ended (run daily by `flask purge-expired`)."""
        with self.engine.connect() as connection:
            return connection.execute(
                text("DELETE FROM rate_limit_counter WHERE expires_at <= :now"),
                {"now": time.time()},
            ).rowcount


def storage_uri_for(database_url: str) -> str:
    """The shared storage for a database; an in-memory SQLite database cannot be
    shared with another connection, so it keeps the counts in memory."""
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        return "memory://"
    return SCHEME_PREFIX + database_url


class ReadFirstFixedWindow(FixedWindowRateLimiter):
    """Fixed windows, where a request whose count is already full is refused on a read
    and counts nothing: only requests that may yet pass are counted (atomically, by
    the storage's increment, which decides)."""

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        if not self.test(item, *identifiers, cost=cost):
            return False
        return super().hit(item, *identifiers, cost=cost)


# Flask-Limiter finds its strategy by name in this table (Limiter(strategy=...)).
READ_FIRST_FIXED_WINDOW = "fixed-window-read-first"
STRATEGIES[READ_FIRST_FIXED_WINDOW] = ReadFirstFixedWindow

# Redis: one back, only while the window lasts and the count is above nothing.
_REDIS_REFUND = b"""
local count = tonumber(redis.call('get', KEYS[1]) or '0')
if count > 0 then return redis.call('decr', KEYS[1]) end
return 0
"""


def refund(storage: Storage, key: str) -> None:
    """Take back one count of ``key`` (a request that turned out not to count)."""
    if isinstance(storage, DatabaseStorage):
        storage.refund(key)
    elif isinstance(storage, RedisStorage):
        script = storage.get_connection().register_script(_REDIS_REFUND)
        script(keys=[storage.prefixed_key(key)])
    elif isinstance(storage, MemoryStorage):
        # One process (tests, an in-memory database): nothing runs in between.
        if storage.get(key) > 0:
            storage.incr(key, 1, amount=-1)
    else:
        raise TypeError(f"no refund for {type(storage).__name__}")
