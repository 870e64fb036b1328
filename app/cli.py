"""Commands: `flask --app wsgi db-upgrade`, `db-check`, `db-revision` and `purge-expired`."""

from __future__ import annotations

import datetime as dt

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from app.config import PROJECT_ROOT


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def init_app(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Apply every migration to the configured database."""
        url = current_app.config["SQLALCHEMY_URL"]
        if url.startswith("sqlite:///"):
            from pathlib import Path

            instance = Path(url.removeprefix("sqlite:///")).parent
            instance.mkdir(mode=0o700, parents=True, exist_ok=True)
        command.upgrade(alembic_config(url), "head")
        click.echo("Database is up to date.")

    @app.cli.command("db-check")
    def db_check() -> None:
        """Fail when the models have changed without a migration."""
        command.check(alembic_config(current_app.config["SQLALCHEMY_URL"]))

    @app.cli.command("db-revision")
    @click.argument("message")
    def db_revision(message: str) -> None:
        """Write a new migration from the difference between models and database."""
        command.revision(
            alembic_config(current_app.config["SQLALCHEMY_URL"]), message=message, autogenerate=True
        )

    @app.cli.command("purge-expired")
    def purge_expired() -> None:
        """Remove CPD deleted longer ago than the policy keeps it, and kept forms past
        their expiry. Run it daily (cron or a systemd timer)."""
        from app.cpd import kept, services
        from app.db import get_session
        from app.policy import current_policy

        policy = current_policy()
        records = services.purge_expired_deletions(get_session(), policy=policy)
        forms = kept.purge_expired(get_session(), policy=policy)
        click.echo(f"Removed {records} deleted records and {forms} expired kept forms.")
        from app import server_sessions

        # Longer than a kept form lasts: its owner's browser finds it by the session.
        hours = max(policy.kept_form_hours, policy.session_absolute_timeout_hours)
        idle = dt.timedelta(hours=hours)
        sessions = server_sessions.purge_idle(older_than=idle)
        click.echo(f"Removed {sessions} idle browser sessions.")
        from app import background

        # Emails a dead worker left, in case no worker has swept since.
        jobs = background.run_due_jobs(current_app._get_current_object())  # type: ignore[attr-defined]
        click.echo(f"Ran {jobs} background jobs left waiting.")
        from app.extensions import limiter
        from app.ratelimit_storage import DatabaseStorage

        if isinstance(limiter.storage, DatabaseStorage):
            counters = limiter.storage.purge_expired()
            click.echo(f"Removed {counters} ended rate-limit counts.")
        from app.db import get_engine, scrub_wal

        # CPD removed above, and anything an account deletion could not empty from the
        # write-ahead log while a reader held on, leaves the files too.
        if not scrub_wal(get_engine()):
            click.echo("The write-ahead log could not be emptied: a reader held on.")
