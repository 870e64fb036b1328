"""GET /health: is this instance able to serve? For load balancers and orchestrators.

It answers without a session, a cookie or a template, so a balancer polling it every
second costs almost nothing, and it checks what an instance cannot work without: the
database (one round trip) and, where one is configured, the shared Redis. 200 means
"send me traffic"; 503 means "take me out of the pool" and names the part that failed,
never a connection string or an error text.
"""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, current_app
from sqlalchemy import text

from app.db import get_engine
from app.extensions import limiter

bp = Blueprint("health", __name__)

CHECK_TIMEOUT_SECONDS = 2


def _database_ok() -> bool:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any failure means "not ready"; the reason is in the DB's own log
        current_app.logger.exception("health check: database unreachable")
        return False
    return True


def _redis_ok(url: str) -> bool:
    try:
        client = redis.Redis.from_url(
            url,
            socket_timeout=CHECK_TIMEOUT_SECONDS,
            socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
        )
        with client:
            return bool(client.ping())
    except redis.RedisError:
        current_app.logger.exception("health check: Redis unreachable")
        return False


@bp.get("/health")
@limiter.exempt
def health() -> tuple[dict[str, Any], int, dict[str, str]]:
    checks = {"database": "ok" if _database_ok() else "failing"}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = "ok" if _redis_ok(redis_url) else "failing"
    healthy = all(state == "ok" for state in checks.values())
    body = {"status": "ok" if healthy else "failing", **checks}
    return body, 200 if healthy else 503, {"Cache-Control": "no-store"}
