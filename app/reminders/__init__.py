"""Reminder emails: the daily `flask send-reminders` command, the person's choice of
reminders on the account page, and one-click unsubscribe."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask

from app.reminders.blueprint import bp


def init_app(app: Flask) -> None:
    from app.reminders import views  # noqa: F401  (registers the routes)

    app.register_blueprint(bp)

    @app.cli.command("send-reminders")
    @click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Act as if today were this date (YYYY-MM-DD), to catch up a missed day.",
    )
    def send_reminders(today: dt.datetime | None) -> None:
        """Send the reminder emails due today. Run it daily; running it again sends
        nothing twice (each reminder is logged before it is sent)."""
        from app.db import get_session, utcnow
        from app.policy import current_policy
        from app.reminders import emails, services

        policy = current_policy()
        report = services.send_due(
            get_session(),
            policy=policy,
            today=today.date() if today else policy.today(),
            now=utcnow(),
            send=emails.send_reminder,
        )
        click.echo(
            f"Sent {report.sent} reminders; {report.failed} failed and will be tried "
            f"again tomorrow; {report.skipped} already sent by another run."
        )
