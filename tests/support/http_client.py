"""Just enough of a browser over plain HTTP, for benchmarks and tests of real servers:
keeps the one session cookie and the page's CSRF token."""

from __future__ import annotations

import functools
import http.client
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable
from http.cookiejar import CookieJar
from typing import Any

from sqlmodel import Session

from app.auth.passwords import hash_password
from app.auth.services import create_account
from app.db import make_engine
from app.policy import load_policy

PASSWORD = "peak benchmark horse battery staple"


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # once: scrypt is slow on purpose


def create_accounts(database_url: str, emails: Iterable[str]) -> None:
    engine = make_engine(database_url)
    with Session(engine) as db:
        for email in emails:
            create_account(
                db=db,
                policy=load_policy(),
                full_name="Robin Tester",
                email=email,
                registration_number=None,
                password_hash=_password_hash(),
            )
    engine.dispose()


class Client:
    """Just enough of a browser: keeps the session cookie and the CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = ""

    @property
    def cookie(self) -> str:
        """The Cookie header this client sends."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None
    ):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        body = urllib.parse.urlencode(form or {}, doseq=True) if form is not None else None
        sent = {"Cookie": self.cookie, **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, cookie_value = value.split(";", 1)[0].partition("=")
                self.cookies[cookie_name] = cookie_value
        found = re.search(r'name="csrf-token" content="([^"]+)"', text)
        if found:
            self.token = found.group(1)
        connection.close()
        return response.status, text, dict(response.getheaders())

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        self.request("GET", "/sign-in")
        status, text, _headers = self.request(
            "POST", "/sign-in", {"csrf_token": self.token, "email": email, "password": password}
        )
        problems = re.findall(r'href="#[^"]+">([^<]+)<', text)
        assert status == 302, f"could not sign in as {email}: {status} {problems}"
        self.request("GET", "/account")  # a fresh token for the new session

    def sign_up(self, database_url: str, email: str | None = None) -> str:
        """An account made straight in the server's database (signing up through the
        pages needs the confirmation email), then signed in; returns its address."""
        email = email or f"bench-{time.time_ns()}@example.com"
        create_accounts(database_url, [email])
        self.sign_in(email)
        return email

    def htmx_headers(self) -> dict[str, str]:
        return {"HX-Request": "true", "X-CSRFToken": self.token}


def _form_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def signed_in_opener(
    base: str, mailbox: Any, *, email: str, password: str, full_name: str
) -> urllib.request.OpenerDirector:
    """A urllib opener signed in to a new account made through the pages, as a person
    does it: the form, then the button on the page the confirmation email links to.
    ``mailbox`` is the test SMTP server's MailCatcher."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    form = {
        "csrf_token": _form_token(opener.open(base + "/create-account").read().decode()),
        "full_name": full_name,
        "email": email,
        "password": password,
        "password_confirmation": password,
    }
    opener.open(base + "/create-account", urllib.parse.urlencode(form).encode())
    body = mailbox.wait_for(email, "/create-account/confirm/").get_payload(decode=True).decode()
    found = re.search(r"http://\S+/create-account/confirm/\S+", body)
    assert found, "no confirmation link in the email"
    token = _form_token(opener.open(found.group(0)).read().decode())
    opener.open(found.group(0), urllib.parse.urlencode({"csrf_token": token}).encode())
    return opener
