import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import redis
from limits import parse_many
from sqlalchemy import create_engine, text
from sqlmodel import Session

from app import create_app
from app.auth import services
from app.config import BaseConfig
from app.extensions import keyed_hash
from app.policy import load_policy
from tests.conftest import PASSWORD, _empty_every_table, csrf_token_from, submit
from tests.support.database import throwaway_database
from tests.support.servers import start_live_server, stop_live_server

pytestmark = pytest.mark.db


@pytest.fixture
def app(app):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    app.config["SIGN_IN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    return app


def test_repeated_failures_for_one_account_are_refused_politely(client, user):
    for _ in range(3):
        assert (
            submit(client, "/sign-in", {"email": user.email, "password": "wrong guess"}).status_code
            == 200
        )
    response = submit(client, "/sign-in", {"email": user.email, "password": "wrong guess"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "You have tried too many times" in page
    assert "reset your password" in page
    assert "Retry-After" in response.headers
    # Even the right password waits: the attacker must not learn it was right.
    assert (
        submit(client, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 429
    )


def test_failures_for_one_account_do_not_lock_out_other_accounts(client, user):
    for _ in range(4):
        submit(client, "/sign-in", {"email": "someone.else@example.com", "password": "wrong guess"})
    assert (
        submit(client, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 302
    )


def test_successful_sign_ins_do_not_count(client, user):
    for _ in range(6):
        response = submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        client.get("/signed-out")
        with client.session_transaction() as session:
            session.clear()


def test_one_address_trying_many_accounts_is_refused(client):
    for n in range(5):
        submit(client, "/sign-in", {"email": f"person{n}@example.com", "password": "wrong guess"})
    response = submit(
        client, "/sign-in", {"email": "person9@example.com", "password": "wrong guess"}
    )
    assert response.status_code == 429


def _fail(client, email="alex@example.com"):
    return submit(client, "/sign-in", {"email": email, "password": "wrong guess"})


def _sign_out(client):
    client.post(
        "/sign-out",
        data={"csrf_token": csrf_token_from(client.get("/account").get_data(as_text=True))},
    )


def test_strangers_failures_do_not_lock_the_owner_out_of_their_usual_device(app, user):
    owner = app.test_client()
    assert submit(owner, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 302
    _sign_out(owner)

    attacker = app.test_client()
    for _ in range(3):
        _fail(attacker)
    assert _fail(attacker).status_code == 429
    assert (
        submit(attacker, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 429
    )
    # The owner's browser holds the device cookie from their last sign-in.
    assert submit(owner, "/sign-in", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_a_device_is_still_limited_on_its_own(app, user):
    owner = app.test_client()
    submit(owner, "/sign-in", {"email": user.email, "password": PASSWORD})
    _sign_out(owner)
    app.config["SIGN_IN_LIMIT_PER_DEVICE"] = "2 per 15 minutes"
    for _ in range(2):
        assert _fail(owner).status_code == 200
    assert _fail(owner).status_code == 429


def test_a_device_cookie_from_another_account_does_not_exempt_a_browser(app, user, other_client):
    # other_client signed in as sam@example.com and holds Sam's device cookie.
    _sign_out(other_client)
    for _ in range(3):
        _fail(other_client)
    assert _fail(other_client).status_code == 429


def test_a_shared_computer_is_not_remembered(app, user):
    shared = app.test_client()
    submit(shared, "/sign-in", {"email": user.email, "password": PASSWORD, "shared_device": "y"})
    assert not [c for c in shared._cookies.values() if "device" in c.key]


def test_the_owner_who_resets_their_password_can_sign_in_despite_the_lockout(app, user, caplog):
    attacker = app.test_client()
    for _ in range(4):
        _fail(attacker)
    caplog.set_level("INFO")
    owner = app.test_client()
    submit(owner, "/forgot-password", {"email": user.email})
    link = re.search(r"http://localhost(/reset-password/\S+)", caplog.text).group(1)
    new = "a brand new passphrase"
    submit(owner, link, {"password": new, "password_confirmation": new})
    assert submit(owner, "/sign-in", {"email": user.email, "password": new}).status_code == 302


def test_the_wait_grows_the_longer_an_attack_goes_on(app, user, monkeypatch):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per minute; 3 per hour"
    attacker = app.test_client()
    for _ in range(2):
        _fail(attacker)
    first = _fail(attacker)
    assert first.status_code == 429
    assert int(first.headers["Retry-After"]) <= 60

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 61)
    assert _fail(attacker).status_code == 200
    second = _fail(attacker)
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 60 * 30


def _app_on(storage_uri: str, database_url: str, tmp_path, **extra):
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SECRET_KEY_FILE": tmp_path / "secret_key",
            "RATELIMIT_STORAGE_URI": storage_uri,
            "SIGN_IN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
            **extra,
        }
    )
    return application


@pytest.mark.parametrize("store", ["database", "redis"])
def test_counts_live_in_a_store_every_worker_shares(store, database_url, tmp_path):
    # Nobody's address: its count is easy to find among other tests' counts.
    email = f"{uuid.uuid4().hex}@example.com"
    uri = None if store == "database" else "redis://127.0.0.1:6379/0"
    application = _app_on(uri, database_url, tmp_path)
    with application.app_context():
        # Kept under a keyed hash of the address, never the address itself.
        tag = keyed_hash(email)
    try:
        for _ in range(3):
            assert _fail(application.test_client(), email).status_code == 200
        if store == "database":
            engine = create_engine(database_url)
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT key, count FROM rate_limit_counter"))
                counts = {key: n for key, n in rows if tag in key}
            engine.dispose()
        else:
            client = redis.Redis.from_url(uri)
            counts = {key.decode(): int(client.get(key)) for key in client.scan_iter(f"*{tag}*")}
            if counts:
                client.delete(*counts)
        assert list(counts.values()) == [3], counts
    finally:
        application.extensions["db_engine"].dispose()


@pytest.mark.parametrize("store", ["database", "redis"])
def test_a_multi_worker_server_counts_every_failure_once(store, tmp_path):
    with throwaway_database(tmp_path, "workers") as url:
        engine = create_engine(url)
        with Session(engine) as db:
            services.create_account(
                db=db,
                policy=load_policy(),
                full_name="Alex Example",
                email="alex@example.com",
                registration_number=None,
                password=PASSWORD,
            )
        engine.dispose()
        server = start_live_server(
            database_url=url,
            instance_dir=tmp_path,
            env={
                "SIGN_IN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
                "REDIS_URL": "redis://127.0.0.1:6379/0" if store == "redis" else None,
                "RATELIMIT_KEY_PREFIX": f"t-{uuid.uuid4().hex}",
            },
            workers=2,
        )
        try:
            statuses = [_fail_over_http(server.url) for _ in range(15)]
        finally:
            stop_live_server(server)
    assert statuses.count(200) == 5, statuses
    assert statuses.count(429) == 10, statuses


def _fail_over_http(base: str) -> int:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(base + "/sign-in").read().decode()
    form = {"csrf_token": csrf_token_from(page), "email": "alex@example.com", "password": "wrong"}
    try:
        return opener.open(base + "/sign-in", urllib.parse.urlencode(form).encode()).status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("per", ["ACCOUNT", "DEVICE", "ADDRESS"])
def test_the_default_sign_in_limits_grow_in_tiers(per):
    for name in (
        "SIGN_IN_LIMIT_PER_ACCOUNT",
        "SIGN_IN_LIMIT_PER_DEVICE",
        "SIGN_IN_LIMIT_PER_ADDRESS",
    ):
        tiers = parse_many(getattr(BaseConfig, name))
        windows = [tier.get_expiry() for tier in tiers]
        assert len(tiers) >= 3, name
        assert windows == sorted(windows) and windows[-1] >= 24 * 3600, name


def test_the_too_many_attempts_page_says_how_long_to_wait(client, user):
    for _ in range(3):
        _fail(client)
    page = _fail(client).get_data(as_text=True)
    assert "wait 15 minutes" in page, re.search(r"For your security[^.]*", page)


@pytest.mark.parametrize("store", ["database", "redis"])
def test_a_right_password_is_given_back_in_every_store(store, database_url, tmp_path):
    """Sign-ins are counted before the password is checked (app/attempts.py); a right
    one is given back, so signing in again and again never reaches the limit."""
    uri = None if store == "database" else "redis://127.0.0.1:6379/0"
    prefix = f"t-{uuid.uuid4().hex}"
    application = _app_on(uri, database_url, tmp_path, RATELIMIT_KEY_PREFIX=prefix)
    email = f"{uuid.uuid4().hex}@example.com"
    try:
        with Session(application.extensions["db_engine"]) as db:
            services.create_account(
                db=db,
                policy=load_policy(),
                full_name="Robin Example",
                email=email,
                registration_number=None,
                password=PASSWORD,
            )
        assert _fail(application.test_client(), email).status_code == 200
        for _ in range(5):  # the limit is 3 per 15 minutes
            browser = application.test_client()
            form = {"email": email, "password": PASSWORD, "shared_device": "y"}
            assert submit(browser, "/sign-in", form).status_code == 302
        for _ in range(2):
            assert _fail(application.test_client(), email).status_code == 200
        assert _fail(application.test_client(), email).status_code == 429
    finally:
        if store == "redis":
            client = redis.Redis.from_url(uri)
            stale = list(client.scan_iter(f"*{prefix}*"))
            if stale:
                client.delete(*stale)
        application.extensions["db_engine"].dispose()
        _empty_every_table(database_url)
