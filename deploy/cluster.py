"""The deployment that outgrows one machine, on one machine: nginx in front of several
app instances sharing PostgreSQL and Redis. `make run-cluster` runs it until Ctrl-C;
the cluster test and the renewal-peak benchmark drive it through `Cluster`.

Each instance is a separate gunicorn (its own port, workers and access log), exactly as
separate machines would run it; they share nothing but the database, Redis and the
secret key. nginx is the one trusted proxy, so every instance runs with PROXY_COUNT=1.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX = os.environ.get("NGINX_PATH", "/usr/sbin/nginx")
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/record_cpd_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"
# Above the app's own request limit: the app, not the proxy, answers too-large posts.
CLIENT_MAX_BODY_SIZE = "64m"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE if it is not there yet (PostgreSQL has no IF NOT EXISTS for it)."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{target.database}"')


def drop_postgres_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


def wait_until_healthy(url: str, timeout: float = 30) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:  # noqa: S310
                body: dict[str, str] = json.loads(response.read())
                if response.status == 200:
                    return body
        except OSError as error:
            last_error = str(error)
        time.sleep(0.2)
    raise RuntimeError(f"{url}/health did not answer 200 within {timeout} s: {last_error}")


@dataclass
class Instance:
    number: int
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    run_dir: Path
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    port: int = 8000
    instance_count: int = 2
    workers: int = 2
    config_name: str = "local"
    extra_env: dict[str, str] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _secret_key(self) -> str:
        """One key for every instance: a session signed by one is read by the others."""
        if os.environ.get("SECRET_KEY"):
            return os.environ["SECRET_KEY"]
        key_file = self.run_dir / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return key_file.read_text().strip()

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "RECORD_CPD_CONFIG": self.config_name,
            "RECORD_CPD_INSTANCE_DIR": str(self.run_dir),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": self._secret_key(),
            # Derived from the same throwaway key: one value for every instance.
            "TWO_STEP_KEYS": hashlib.sha256(b"two-step" + self._secret_key().encode()).hexdigest(),
            "PROXY_COUNT": "1",
            "PUBLIC_BASE_URL": self.url,
            **self.extra_env,
        }

    def start(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for part in ("client-body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / part).mkdir(exist_ok=True)
        if self.database_url.startswith("postgresql"):
            ensure_postgres_database(self.database_url)
        flask = Path(sys.executable).parent / "flask"
        subprocess.run(  # noqa: S603
            [str(flask), "--app", "wsgi", "db-upgrade"],
            cwd=ROOT,
            env=self.environment(),
            check=True,
        )
        self.instances = [Instance(number, free_port()) for number in range(self.instance_count)]
        for instance in self.instances:
            self.start_instance(instance.number)
        for instance in self.instances:
            wait_until_healthy(instance.url)
        self._start_nginx()
        wait_until_healthy(self.url)

    def start_instance(self, number: int) -> None:
        instance = self.instances[number]
        gunicorn = Path(sys.executable).parent / "gunicorn"
        log = (self.run_dir / f"instance-{number}.log").open("ab")
        instance.process = subprocess.Popen(  # noqa: S603
            [
                str(gunicorn),
                "--config",
                "python:app.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{instance.port}",
                "--workers",
                str(self.workers),
                "--access-logfile",
                str(self.run_dir / f"instance-{number}-access.log"),
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_instance(self, number: int) -> None:
        """As a crash would: SIGKILL to gunicorn and its workers, no graceful shutdown."""
        process = self.instances[number].process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def _stop_instance(self, number: int) -> None:
        process = self.instances[number].process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def _start_nginx(self) -> None:
        template = string.Template((ROOT / "deploy" / "nginx.conf.template").read_text())
        servers = "\n".join(
            f"        server 127.0.0.1:{instance.port} max_fails=1 fail_timeout=2s;"
            for instance in self.instances
        )
        config = self.run_dir / "nginx.conf"
        config.write_text(
            template.safe_substitute(
                run_dir=self.run_dir,
                port=self.port,
                upstream_servers=servers,
                client_max_body_size=CLIENT_MAX_BODY_SIZE,
            )
        )
        self.nginx = subprocess.Popen(  # noqa: S603
            [NGINX, "-c", str(config), "-p", str(self.run_dir), "-g", "daemon off;"],
            stdout=(self.run_dir / "nginx.out").open("ab"),
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            self.nginx.wait(timeout=10)
        for instance in self.instances:
            self._stop_instance(instance.number)


@contextlib.contextmanager
def running(cluster: Cluster) -> Iterator[Cluster]:
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", 2)))
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or None)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    parser.add_argument("--run-dir", type=Path, default=ROOT / "instance" / "cluster")
    arguments = parser.parse_args()
    cluster = Cluster(
        run_dir=arguments.run_dir.resolve(),
        database_url=arguments.database_url or DEFAULT_DATABASE_URL,
        redis_url=arguments.redis_url,
        port=arguments.port,
        instance_count=arguments.instances,
        workers=arguments.workers,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with running(cluster):
        ports = ", ".join(str(instance.port) for instance in cluster.instances)
        print(f"Record CPD on {cluster.url} (nginx) -> instances on {ports}; Ctrl-C stops")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)


if __name__ == "__main__":
    main()
