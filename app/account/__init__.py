"""The account home: where a signed-in registrant starts."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

bp = Blueprint("account", __name__)


@bp.route("/account")
@login_required
def home() -> str:
    return render_template("pages/account/home.html", user=current_user)
