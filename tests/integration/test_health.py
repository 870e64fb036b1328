"""GET /health tells a load balancer whether this instance can serve."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app

pytestmark = pytest.mark.db


def test_health_is_ok_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def _app_with(tmp_path: Path, **settings: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SECRET_KEY_FILE": tmp_path / "secret_key",
            "RATELIMIT_STORAGE_URI": "memory://",
            **settings,
        }
    )


def test_health_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    unreachable = _app_with(
        tmp_path, SQLALCHEMY_URL="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    )
    response = unreachable.test_client().get("/health")
    assert response.status_code == 503
    assert response.json == {"status": "failing", "database": "failing"}


def test_health_is_503_when_the_shared_redis_is_unreachable(app: Flask, tmp_path: Path) -> None:
    without_redis = _app_with(
        tmp_path,
        SQLALCHEMY_URL=app.config["SQLALCHEMY_URL"],
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    response = without_redis.test_client().get("/health")
    assert response.status_code == 503
    assert response.json == {"status": "failing", "database": "ok", "redis": "failing"}
