"""Who is signed in in this browser.

Flask-Login keeps the user's id in the signed cookie, but that alone would survive
sign-out if replayed. So the cookie also carries a random session token, and a user is
only loaded while the server-side session record for that token is active.
"""

from __future__ import annotations

import datetime as dt

from flask import (
    current_app,
    g,
    session,
)
from flask_login import current_user

from app.auth.models import SIGN_IN_TOKEN_KEY, SignedInPerson, User
from app.auth.sessions import check_session, session_owner
from app.db import get_session
from app.extensions import login_manager
from app.policy import current_policy

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
