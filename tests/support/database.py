"""Throwaway databases for tests: a SQLite file by default, or a PostgreSQL database
created for the run and dropped afterwards when TEST_DATABASE_URL names a server."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@contextlib.contextmanager
def throwaway_database(tmp_dir: Path, label: str, revision: str = "head") -> Iterator[str]:
    """Yield the URL of a new empty database migrated to ``revision``; drop it afterwards."""
    from app.cli import alembic_config  # here: importing app reads its settings

    admin_url = server_url()
    if admin_url is None:
        url = f"sqlite:///{tmp_dir / f'{label}.db'}"
        command.upgrade(alembic_config(url), revision)
        yield url
        return
    with empty_postgres_database(admin_url, label) as url:
        command.upgrade(alembic_config(url), revision)
        yield url


@contextlib.contextmanager
def empty_postgres_database(admin_url: str, label: str) -> Iterator[str]:
    """Yield the URL of a new database with nothing in it on the server ``admin_url``
    names; drop it afterwards. Imports nothing of the app, so a benchmark can make the
    database before the app reads its settings."""
    name = f"record_cpd_test_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
