"""Nobody, signed in or not, can make the database grow without a bound (issue 19,
item 1): rate-limit keys are short hashes that name no address, a refused request
writes nothing, and a visit keeps no row until there is something to keep."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from app import create_app
from tests.conftest import PASSWORD, _empty_every_table, csrf_token_from, submit

pytestmark = pytest.mark.db


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app as deployed without Redis: rate-limit counts in its own database."""
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SECRET_KEY_FILE": tmp_path / "secret_key",
            "MAIL_BACKEND": "log",
            "PUBLIC_BASE_URL": "http://localhost",
            "MAIL_IN_BACKGROUND": False,
            "SIGN_IN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
            "SIGN_IN_LIMIT_PER_ADDRESS": "5 per 15 minutes",
            "ACCOUNT_FORMS_LIMIT_PER_ADDRESS": "2 per 15 minutes",
        }
    )
    yield application
    application.extensions["db_engine"].dispose()
    _empty_every_table(database_url)


def _rows(app: Flask, table: str) -> list[tuple]:
    with app.extensions["db_engine"].connect() as connection:
        if table == "rate_limit_counter":
            query = "SELECT key, count, expires_at FROM rate_limit_counter ORDER BY key"
        else:
            query = "SELECT key_hash, data, updated_at FROM browser_session ORDER BY key_hash"
        return [tuple(row) for row in connection.execute(text(query))]


def _fail(client, email: str):
    return submit(client, "/sign-in", {"email": email, "password": "wrong guess"})


def test_rate_limit_keys_are_short_and_name_no_address(app, user, client):
    huge = "a" * 450_000 + "@example.com"
    assert _fail(client, huge).status_code == 200  # refused by the form: too long
    assert _fail(client, user.email).status_code == 200
    keys = [row[0] for row in _rows(app, "rate_limit_counter")]
    assert keys, "the failure was counted somewhere"
    assert max(len(key) for key in keys) <= 200, max(len(key) for key in keys)
    assert not [key for key in keys if "example.com" in key or "alex" in key or "127.0.0" in key]


def test_a_refused_sign_in_writes_nothing(app, user, client):
    for n in range(5):  # the address's allowance, spent on five accounts
        assert _fail(client, f"person{n}@example.com").status_code == 200
    counts, sessions = _rows(app, "rate_limit_counter"), _rows(app, "browser_session")
    for n in range(5, 25):  # each a new account, all refused for the address
        assert _fail(client, f"person{n}@example.com").status_code == 429
    assert _fail(client, user.email).status_code == 429
    assert _rows(app, "rate_limit_counter") == counts
    assert _rows(app, "browser_session") == sessions


def test_a_refused_account_form_writes_nothing(app, client):
    for n in range(2):
        assert submit(client, "/forgot-password", {"email": f"p{n}@example.com"}).status_code == 302
    counts = _rows(app, "rate_limit_counter")
    for n in range(2, 12):
        assert submit(client, "/forgot-password", {"email": f"p{n}@example.com"}).status_code == 429
    assert _rows(app, "rate_limit_counter") == counts


def test_an_anonymous_visit_keeps_no_session_row(app, user):
    for path in ("/", "/sign-in", "/account", "/your-cpd", "/sign-in/code", "/forgot-password"):
        app.test_client().get(path)
    visitor = app.test_client()
    page = visitor.get("/sign-in")
    assert _rows(app, "browser_session") == []
    # The form still works: its CSRF token needs no row behind it.
    form = {"csrf_token": csrf_token_from(page.get_data(as_text=True))}
    signed_in = visitor.post("/sign-in", data={**form, "email": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert len(_rows(app, "browser_session")) == 1


def test_a_form_from_a_cookie_with_no_row_is_not_taken_for_another_browsers(app, user):
    """The CSRF secret comes from the browser's own id: one browser's token is no use
    with another browser's cookie."""
    first, second = app.test_client(), app.test_client()
    token = csrf_token_from(first.get("/sign-in").get_data(as_text=True))
    second.get("/sign-in")
    response = second.post(
        "/sign-in", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 400
