"""Smaller gaps from issue 11 item 7: redirects, a reset link used twice at once,
caching of pages that name an address or carry a token, and database file modes."""

import re
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from tests.conftest import PASSWORD, csrf_token_from, submit

pytestmark = pytest.mark.db


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil.example",
        "/\\/evil.example",
        "\\\\evil.example",
        "/%5Cevil.example",
        "/\t/evil.example",
    ],
)
def test_sign_in_never_follows_a_backslash_to_another_site(client, user, target):
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post(
        "/sign-in",
        query_string={"next": target},
        data={"csrf_token": csrf_token_from(page), "email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize("target", ["/account\r\nSet-Cookie: x=1", "/account\nX: y", "/a\x00b"])
def test_a_next_address_with_control_characters_is_ignored_not_an_error(client, user, target):
    page = client.get("/sign-in", query_string={"next": target})
    assert page.status_code == 200
    response = client.post(
        "/sign-in",
        query_string={"next": target},
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "email": user.email,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def _reset_link(client, user, caplog) -> str:
    caplog.set_level("INFO")
    submit(client, "/forgot-password", {"email": user.email})
    return re.search(r"http://localhost(/reset-password/\S+)", caplog.text).group(1)


def test_a_reset_link_used_by_two_requests_at_once_works_only_once(app, user, caplog):
    link = _reset_link(app.test_client(), user, caplog)
    browsers = [app.test_client() for _ in range(2)]
    tokens = [csrf_token_from(b.get(link).get_data(as_text=True)) for b in browsers]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def use(browser, token, password):
        start.wait()
        response = browser.post(
            link,
            data={"csrf_token": token, "password": password, "password_confirmation": password},
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=use, args=(b, t, f"first passphrase number {n}"))
        for n, (b, t) in enumerate(zip(browsers, tokens, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 404], statuses


def test_reset_and_check_your_email_pages_are_never_stored(client, user, caplog):
    link = _reset_link(client, user, caplog)
    for path in (link, "/forgot-password/check-your-email", "/create-account/check-your-email"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    assert client.get("/reset-password/expired-token").headers.get("Cache-Control") == "no-store"


def _never_stored(response) -> bool:
    """Cache-Control for HTTP/1.1 caches and browsers; Pragma and Expires for HTTP/1.0
    caches and old browsers (lynx showed a stale page without them)."""
    headers = response.headers
    return (headers.get("Cache-Control"), headers.get("Pragma"), headers.get("Expires")) == (
        "no-store",
        "no-cache",
        "0",
    )


def test_signed_out_pages_with_an_address_or_a_token_say_no_cache_to_old_caches_too(
    app, client, user, caplog
):
    from app.reminders import emails, rules

    link = _reset_link(client, user, caplog)
    with app.app_context():
        unsubscribe = f"/unsubscribe/{emails.unsubscribe_token(user.id, rules.STALE_DRAFT)}"
    for path in (
        link,
        "/forgot-password/check-your-email",
        "/create-account/check-your-email",
        "/reset-password/expired-token",
        "/create-account/confirm/expired-token",
        "/account/confirm-email/expired-token",
        unsubscribe,
        unsubscribe + "x",
    ):
        assert _never_stored(client.get(path)), path
    assert _never_stored(client.post(unsubscribe)), "unsubscribed"


def test_the_sqlite_database_and_its_files_are_readable_only_by_the_app(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'instance' / 'fresh.db'}"
    application = create_app(
        {"SQLALCHEMY_URL": url, "SECRET_KEY": "x", "SECRET_KEY_FILE": tmp_path / "key"}
    )
    with application.extensions["db_engine"].begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    files = sorted((tmp_path / "instance").iterdir())
    assert {f.name for f in files} >= {"fresh.db", "fresh.db-wal", "fresh.db-shm"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path.name, oct(path.stat().st_mode))
    assert stat.S_IMODE((tmp_path / "instance").stat().st_mode) & 0o077 == 0
    application.extensions["db_engine"].dispose()
