"""The account home, where a signed-in registrant starts, and the account's changes:
name, registration number, email address, deletion."""

from __future__ import annotations

import click
from flask import render_template
from flask_login import login_required

from app.account.blueprint import bp


@bp.route("/account")
@login_required
def home() -> str:
    # The cheapest signed-in page: its content is a kept piece (app/layout.py).
    return render_template("pages/account/home.html")


@bp.cli.command("purge-deleted-accounts")
def purge_deleted_accounts() -> None:
    """Remove every trace of accounts deleted longer ago than the policy's
    account_purge_delay_days. Run it daily; running it twice does no harm."""
    from app.account import services
    from app.db import get_session
    from app.policy import current_policy

    count = services.purge_deleted_accounts(db=get_session(), policy=current_policy())
    click.echo(f"Removed {count} deleted account{'' if count == 1 else 's'}.")


from app.account import views  # noqa: E402, F401  (registers the routes on bp)
