"""Guesses sent all at once, over real HTTP to gunicorn (2 workers, 4 threads each):
a limit of 5 must let 5 be checked, however many arrive together. A limit checked
before the request and counted after it let 11 of 24 wrong passwords, and 6 of 20
wrong two-step codes, be checked (issue 19, item 5). Runs on SQLite, on PostgreSQL
(TEST_DATABASE_URL) and with the counts in Redis."""

from __future__ import annotations

import http.cookiejar
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from app.auth import services, two_step
from app.auth.secret_box import SecretBox
from app.policy import load_policy
from tests.conftest import PASSWORD, csrf_token_from
from tests.support.database import throwaway_database
from tests.support.servers import LiveServer, start_live_server, stop_live_server

pytestmark = pytest.mark.db

EMAIL = "alex@example.com"
TWO_STEP_KEYS = "cd" * 32
LIMIT = "5 per 15 minutes"


@dataclass
class Browser:
    """One browser: its own cookies, and the form page it last opened."""

    base: str
    opener: urllib.request.OpenerDirector

    @classmethod
    def new(cls, base: str) -> Browser:
        jar = http.cookiejar.CookieJar()
        return cls(base, urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)))

    def token(self, path: str) -> str:
        with self.opener.open(self.base + path) as response:
            return csrf_token_from(response.read().decode())

    def post(self, path: str, form: dict[str, str]) -> int:
        """The status of the answer, redirects not followed (a 302 is a sign-in)."""
        request = urllib.request.Request(
            self.base + path, urllib.parse.urlencode(form).encode(), method="POST"
        )
        opener = urllib.request.build_opener(
            *[h for h in self.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)],
            _NoRedirect(),
        )
        try:
            with opener.open(request) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


def all_at_once(posts: list) -> list[int]:
    """Run every post at the same moment (each thread waits for the others first)."""
    barrier = threading.Barrier(len(posts))

    def run(post) -> int:
        barrier.wait()
        return post()

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(run, posts))


@pytest.fixture(params=["database", "redis"])
def server(request, tmp_path: Path) -> Iterator[LiveServer]:
    with throwaway_database(tmp_path, "at_once") as url:
        engine = create_engine(url)
        with Session(engine) as db:
            services.create_account(
                db=db,
                policy=load_policy(),
                full_name="Alex Example",
                email=EMAIL,
                registration_number=None,
                password=PASSWORD,
            )
        engine.dispose()
        live = start_live_server(
            database_url=url,
            instance_dir=tmp_path,
            env={
                "SECRET_KEY": "at-once-secret-key",
                "TWO_STEP_KEYS": TWO_STEP_KEYS,
                "SIGN_IN_LIMIT_PER_ACCOUNT": LIMIT,
                "TWO_STEP_LIMIT_PER_ACCOUNT": LIMIT,
                "SIGN_IN_LIMIT_PER_DEVICE": LIMIT,
                "SIGN_IN_LIMIT_PER_ADDRESS": "1000 per 15 minutes",
                "REDIS_URL": "redis://127.0.0.1:6379/0" if request.param == "redis" else None,
                "RATELIMIT_KEY_PREFIX": f"t-{uuid.uuid4().hex}",
            },
            workers=2,
        )
        try:
            yield live
        finally:
            stop_live_server(live)


def test_wrong_passwords_sent_at_once_are_checked_no_more_than_the_limit(server):
    browsers = [Browser.new(server.url) for _ in range(24)]
    posts = []
    for browser in browsers:
        form = {"csrf_token": browser.token("/sign-in"), "email": EMAIL, "password": "wrong"}
        posts.append(lambda browser=browser, form=form: browser.post("/sign-in", form))
    statuses = all_at_once(posts)
    # 200: the password was checked and refused; 429: refused before any check.
    assert (statuses.count(200), statuses.count(429)) == (5, 19), Counter(statuses)


def _turn_on_two_step(database_url: str) -> str:
    """Two-step sign-in on for the account, as the set-up page does it; its secret."""
    engine = create_engine(database_url)
    box = SecretBox.from_setting(TWO_STEP_KEYS)
    policy = load_policy()
    with Session(engine) as db:
        user = services.find_user_by_email(db=db, email=EMAIL)
        assert user is not None and user.id is not None
        secret = two_step.start_setup(db=db, user_id=user.id, box=box, policy=policy)
        assert secret is not None
        codes = two_step.confirm_setup(
            db=db,
            user_id=user.id,
            box=box,
            policy=policy,
            code=pyotp.TOTP(secret).now(),
            keep_token="-",
        )
        assert codes
    engine.dispose()
    return secret


def _a_wrong_code(secret: str) -> str:
    """A code the app gives at no step near now."""
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time() + 30 * step) for step in range(-3, 4)}
    return next(code for code in (f"{n:06d}" for n in range(1000)) if code not in near)


def test_wrong_codes_at_once_from_many_half_signed_in_browsers_are_checked_within_the_limit(
    server,
):
    secret = _turn_on_two_step(server.database_url)
    wrong = _a_wrong_code(secret)
    posts = []
    for _ in range(20):
        browser = Browser.new(server.url)
        password = {"csrf_token": browser.token("/sign-in"), "email": EMAIL, "password": PASSWORD}
        assert browser.post("/sign-in", password) == 302  # half signed in
        form = {"csrf_token": browser.token("/sign-in/code"), "code": wrong}
        posts.append(lambda browser=browser, form=form: browser.post("/sign-in/code", form))
    statuses = all_at_once(posts)
    # 200: the code was checked and refused; 429: refused before any check.
    assert (statuses.count(200), statuses.count(429)) == (5, 15), Counter(statuses)


def test_wrong_current_passwords_sent_at_once_from_a_signed_in_browser_are_checked_within_the_limit(
    server,
):
    """Whoever finds a computer left signed in may guess the password on the account's
    pages (change password, change email, sign out others, delete): the same limit."""
    browser = Browser.new(server.url)
    signed_in = {"csrf_token": browser.token("/sign-in"), "email": EMAIL, "password": PASSWORD}
    assert browser.post("/sign-in", signed_in) == 302
    new = "a brand new passphrase for alex"
    form = {
        "csrf_token": browser.token("/account/change-password"),
        "current_password": "wrong",
        "password": new,
        "password_confirmation": new,
    }
    statuses = all_at_once([lambda: browser.post("/account/change-password", form)] * 24)
    # 200: the password was checked and refused; 429: refused before any check.
    assert (statuses.count(200), statuses.count(429)) == (5, 19), Counter(statuses)
