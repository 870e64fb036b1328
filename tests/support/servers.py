"""Real servers on loopback for tests: the app under gunicorn, and an SMTP server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MailCatcher:
    """An aiosmtpd handler that keeps every message it is sent."""

    messages: list[Message] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content)  # type: ignore[attr-defined]
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, containing: str = "", timeout: float = 10) -> Message:
        """The newest email to ``to`` whose subject or text holds ``containing``. Mail is
        sent after the page has answered, so an older email to the same address (the
        account confirmation, say) may be all there is yet: name what you wait for."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in reversed(self.messages):
                    if to.lower() in (message["To"] or "").lower() and containing in _text(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no email to {to} arrived within {timeout} s")
                self._arrived.wait(remaining)


def _text(message: Message) -> str:
    """Subject and decoded body text, whatever the transfer encoding."""
    parts = message.walk() if message.is_multipart() else [message]
    bodies = [
        part.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]
        for part in parts
        if part.get_content_maintype() == "text"
    ]
    return "\n".join([message["Subject"] or "", *bodies])


@dataclass
class SmtpServer:
    port: int
    catcher: MailCatcher
    controller: Controller


def start_smtp_server() -> SmtpServer:
    catcher = MailCatcher()
    port = free_port()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    return SmtpServer(port=port, catcher=catcher, controller=controller)


# Which database each live server started by this process uses, by its URL: a browser
# test knows the server only by its page's address (tests/browser/steps.py).
DATABASE_OF_SERVER: dict[str, str] = {}


def database_of(page_url: str) -> str:
    """The database of the live server that served ``page_url``."""
    origin = "/".join(page_url.split("/")[:3])
    return DATABASE_OF_SERVER[origin]


@dataclass
class LiveServer:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    # Where its emails arrive, when the caller started an SMTP server for it.
    mailbox: MailCatcher | None = None


def start_live_server(
    *,
    database_url: str,
    instance_dir: Path,
    env: dict[str, str | None],
    port: int | None = None,
    workers: int = 1,
) -> LiveServer:
    """Start the app under gunicorn; ``port`` restarts a stopped server where it was.
    A None in ``env`` removes that variable."""
    port = port or free_port()
    log_path = instance_dir / "gunicorn.log"
    merged = {
        **os.environ,
        "RECORD_CPD_CONFIG": "test",
        "RECORD_CPD_INSTANCE_DIR": str(instance_dir),
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **env,
    }
    server_env = {name: value for name, value in merged.items() if value is not None}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--config",
            "python:app.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            # Tests use one worker, so the in-memory rate limits are one count, as in
            # production with Redis.
            "--workers",
            str(workers),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a hang guard: a loaded 2-core machine took 22 s
    while True:
        try:
            with urllib.request.urlopen(url + "/cookies", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the live server did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    DATABASE_OF_SERVER[url] = database_url
    return LiveServer(url=url, database_url=database_url, process=process, log_path=log_path)


def stop_live_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@contextlib.contextmanager
def production_server(database_url: str, instance_dir: Path) -> Iterator[LiveServer]:
    """The app as `make run` serves it (production settings, 2 workers), for the
    benchmarks: rate limits in its database, a throwaway secret key, and an SMTP server
    catching its emails (accounts are confirmed by email)."""
    smtp = start_smtp_server()
    server = start_live_server(
        database_url=database_url,
        instance_dir=instance_dir,
        env={
            "RECORD_CPD_CONFIG": "production",
            "SECRET_KEY": "benchmark-secret-key-9c4e1a7f3b8d2c6e0a5f9b3d7e1c4a8f",
            "TWO_STEP_KEYS": "ab" * 32,
            "REDIS_URL": None,
            "MAIL_BACKEND": "smtp",
            "MAIL_PORT": str(smtp.port),
        },
        workers=2,
    )
    server.mailbox = smtp.catcher
    try:
        yield server
    except Exception:
        print(f"gunicorn's log:\n{server.log_path.read_text()[-5000:]}")
        raise
    finally:
        stop_live_server(server)
        smtp.controller.stop()
