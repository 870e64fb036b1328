"""Accounts: create, sign in, sign out, reset a forgotten password.

Flask-Login keeps the user's id in the signed cookie, but that alone would survive
sign-out if replayed. So the cookie also carries a random session token, and a user is
only loaded while the server-side session record for that token is active.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Flask, current_app, g, session

from app.auth.models import User
from app.auth.sessions import check_session
from app.db import get_session
from app.extensions import login_manager
from app.policy import Policy

bp = Blueprint("auth", __name__)

SESSION_TOKEN_KEY = "sid"  # noqa: S105 - a cookie key name, not a secret


def current_policy() -> Policy:
    policy: Policy = current_app.extensions["policy"]
    return policy


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    token = session.get(SESSION_TOKEN_KEY)
    if not token:
        return None
    db = get_session()
    touch_after = dt.timedelta(seconds=current_app.config["SESSION_TOUCH_SECONDS"])
    result = check_session(db=db, token=token, policy=current_policy(), touch_after=touch_after)
    if result.record is None or str(result.record.user_id) != user_id:
        g.session_ended_because = result.ended_because
        # Forget the dead token so later requests do not look it up again.
        session.pop(SESSION_TOKEN_KEY, None)
        session.pop("_user_id", None)
        return None
    return db.get(User, result.record.user_id)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page"
    login_manager.login_message_category = "info"
    # Our own server-side sessions replace Flask-Login's IP/user-agent check, which
    # would sign out phone users whenever their network address changes.
    login_manager.session_protection = None

    from app.auth import views  # noqa: F401  (registers routes on bp)

    app.register_blueprint(bp)
