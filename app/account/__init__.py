"""The account home, where a signed-in registrant starts, and the account's changes:
name, registration number, email address, deletion."""

from __future__ import annotations

import click
from flask_login import current_user, login_required

from app.account.blueprint import bp
from app.layout import render_kept_page


@bp.route("/account")
@login_required
def home() -> str:
    # The cheapest signed-in page, and the first after signing in: kept (app/layout.py).
    return render_kept_page(
        "pages/account/home.html",
        holes={
            "full_name": current_user.full_name,
            "email": current_user.email,
            "registration_number": current_user.registration_number or "Not given",
        },
    )


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
