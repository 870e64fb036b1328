"""Just enough of a browser over plain HTTP, for benchmarks and tests of real servers:
keeps the one session cookie and the page's CSRF token."""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse


class Client:
    """Just enough of a browser: keeps the session cookie and the CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.token = ""

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
                self.cookie = value.split(";", 1)[0]  # the one session cookie
        found = re.search(r'name="csrf-token" content="([^"]+)"', text)
        if found:
            self.token = found.group(1)
        connection.close()
        return response.status, text, dict(response.getheaders())

    def sign_up(
        self, email: str | None = None, password: str = "peak benchmark horse battery staple"
    ) -> str:
        """Create an account and stay signed in to it; returns its email address."""
        email = email or f"bench-{time.time_ns()}@example.com"
        self.request("GET", "/create-account")
        status, text, _headers = self.request(
            "POST",
            "/create-account",
            {
                "csrf_token": self.token,
                "full_name": "Robin Tester",
                "email": email,
                "password": password,
                "password_confirmation": password,
            },
        )
        problems = re.findall(r'href="#[^"]+">([^<]+)<', text)
        assert status == 302, f"could not create the benchmark account: {status} {problems}"
        self.request("GET", "/account")  # a fresh token for the new session
        return email

    def htmx_headers(self) -> dict[str, str]:
        return {"HX-Request": "true", "X-CSRFToken": self.token}
