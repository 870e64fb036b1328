"""Fixtures for every kind of test: a throwaway database, the app, a checking client,
a real SMTP server and the app running under gunicorn."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

import app.models  # noqa: F401
from app import create_app
from app.auth import services
from app.config import TestConfig
from app.policy import Policy
from tests.support.database import throwaway_database
from tests.support.pages import page_problems
from tests.support.servers import (
    LiveServer,
    SmtpServer,
    start_live_server,
    start_smtp_server,
    stop_live_server,
)
from tests.support.templates import share_compiled_templates

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(tmp_path_factory.mktemp("db"), "unit") as url:
        yield url


def _empty_every_table(url: str) -> None:
    engine = create_engine(url)
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        # By the URL, not TEST_DATABASE_URL: a test may use a SQLite file of its own.
        if engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))
    engine.dispose()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SECRET_KEY_FILE": tmp_path / "secret_key",
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_BACKEND": "log",
            "PUBLIC_BASE_URL": "http://localhost",
            "MAIL_IN_BACKGROUND": False,
            # Cheap scrypt, as the test configuration (and so the live server) has it.
            "PASSWORD_HASH_METHOD": TestConfig.PASSWORD_HASH_METHOD,
        }
    )
    share_compiled_templates(application.jinja_env)
    yield application
    application.extensions["db_engine"].dispose()
    _empty_every_table(database_url)


class CheckingClient(FlaskClient):
    """A test client that checks every HTML page it receives (see page_problems);
    htmx fragments are parts of a page, not pages."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        is_fragment = response.request.headers.get("HX-Request") == "true"
        if response.mimetype == "text/html" and response.status_code != 302 and not is_fragment:
            problems = page_problems(response.get_data(as_text=True))
            assert not problems, f"{response.request.path}: {problems}"
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CheckingClient
    return app.test_client()


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "the page has no CSRF token"
    return match.group(1)


def submit(client: FlaskClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Open the form page, then post it with its CSRF token, as a browser would."""
    page = client.get(path)
    return client.post(
        path, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data}, **kwargs
    )


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    with Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def policy(app: Flask) -> Policy:
    return app.extensions["policy"]


@pytest.fixture
def user(db: Session, policy: Policy) -> app.models.User:
    return services.create_account(
        db=db,
        policy=policy,
        full_name="Alex Example",
        email="alex@example.com",
        registration_number="SW123456",
        password=PASSWORD,
    )


@pytest.fixture
def signed_in_client(client: FlaskClient, user: app.models.User) -> FlaskClient:
    response = submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def other_client(app: Flask, db: Session, policy: Policy) -> FlaskClient:
    """Somebody else, signed in in their own browser: they must never see Alex's CPD."""
    services.create_account(
        db=db,
        policy=policy,
        full_name="Sam Other",
        email="sam@example.com",
        registration_number=None,
        password=PASSWORD,
    )
    other = app.test_client()
    response = submit(other, "/sign-in", {"email": "sam@example.com", "password": PASSWORD})
    assert response.status_code == 302
    return other


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = start_smtp_server()
    yield server
    server.controller.stop()


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SmtpServer
) -> Iterator[LiveServer]:
    instance_dir = tmp_path_factory.mktemp("live")
    with throwaway_database(instance_dir, "live") as url:
        server = start_live_server(
            database_url=url,
            instance_dir=instance_dir,
            env={
                "MAIL_BACKEND": "smtp",
                "MAIL_PORT": str(smtp_server.port),
                "SECRET_KEY": "live-test-secret-key",
                "SIGN_IN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
                "SIGN_IN_LIMIT_PER_ADDRESS": "1000 per 15 minutes",
                "ACCOUNT_FORMS_LIMIT_PER_ADDRESS": "1000 per 15 minutes",
            },
        )
        try:
            yield server
        finally:
            stop_live_server(server)
