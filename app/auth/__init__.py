"""Accounts: create, sign in, sign out, reset a forgotten password.

Flask-Login keeps the user's id in the signed cookie, but that alone would survive
sign-out if replayed. So the cookie also carries a random session token, and a user is
only loaded while the server-side session record for that token is active.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.auth.models import SIGN_IN_TOKEN_KEY, SignedInPerson, User
from app.auth.sessions import check_session, session_owner
from app.db import get_session
from app.extensions import login_manager
from app.policy import current_policy

bp = Blueprint("auth", __name__)

SESSION_TOKEN_KEY = SIGN_IN_TOKEN_KEY
ENDED_TOKEN_KEY = "ended_sid"  # noqa: S105 - a cookie key name, not a secret
SHARED_DEVICE_KEY = "shared_device"
# A CPD form the service refused to save (signed out, or a token it could not trust),
# held in this browser's session while its writer signs in (app/cpd/refused.py):
# carried across the fresh session a sign-in starts, never into an account by itself.
UNSAVED_FORM_KEY = "unsaved_form"


@login_manager.user_loader
def load_user(user_id: str) -> SignedInPerson | None:
    token = session.get(SESSION_TOKEN_KEY)
    if not token:
        return None
    db = get_session()
    touch_after = dt.timedelta(seconds=current_app.config["SESSION_TOUCH_SECONDS"])
    result = check_session(
        db=db,
        token=token,
        policy=current_policy(),
        touch_after=touch_after,
        # What the browser session's query brought (app/server_sessions.py).
        read_with_browser_session=getattr(session, "stored_sign_in", None),
    )
    if result.record is None or str(result.record.user_id) != user_id:
        g.session_ended_because = result.ended_because
        # The dead token no longer signs anyone in, but it still says whose session
        # ended: a form posted after this is kept for that person to restore.
        session[ENDED_TOKEN_KEY] = session.pop(SESSION_TOKEN_KEY, None)
        session.pop("_user_id", None)
        return None
    return result.user


def signed_in_user() -> User:
    """The signed-in person's ORM row, for a page that changes it: current_user is a
    read-only copy (app/auth/models.SignedInPerson), read with the browser session."""
    user = get_session().get(User, int(current_user.get_id()))
    assert user is not None, "a signed-in person's row is there for the request"
    return user


def ended_session_user_id() -> int | None:
    """Whose session ended in this browser (timed out or revoked), if any."""
    token = session.get(ENDED_TOKEN_KEY)
    if not token:
        return None
    return session_owner(db=get_session(), token=token)


def _unauthorized() -> ResponseReturnValue:
    """Signed out (or never signed in). A page request goes to sign in and comes back;
    an autosave from a page left open gets a status message, never the sign-in page
    squeezed into the status line."""
    if request.headers.get("HX-Request") == "true":
        body = render_template(
            "pages/cpd/_autosave-status.html",
            signed_out=True,
            next_path=g.get("return_to") or _path_to_return_to(),
        )
        return body, 401, {"Vary": "HX-Request"}
    # No flash message: the sign-in page says "Sign in to see that page" whenever it
    # has a page to return to, and a message kept for a visitor with no session would
    # be a row written for every signed-out request.
    response = redirect(url_for("auth.sign_in", next=g.get("return_to") or _path_to_return_to()))
    response.vary.add("HX-Request")
    return response


def _path_to_return_to() -> str:
    # After an autosave, the page to come back to is the form, not the endpoint.
    current_url = request.headers.get("HX-Current-URL")
    if current_url:
        parts = urlsplit(current_url)
        if parts.netloc == request.host:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page"
    login_manager.login_message_category = "info"
    # Our own server-side sessions replace Flask-Login's IP/user-agent check, which
    # would sign out phone users whenever their network address changes.
    login_manager.session_protection = None

    login_manager.unauthorized_handler(_unauthorized)

    from app.auth import account_views, two_step_views, views  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
