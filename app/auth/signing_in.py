"""Every sign-in ends here: after a right password alone (app/auth/views.py), after the
second step (app/auth/two_step_views.py), or on confirming a new account. A fresh
session starts, the way back is checked, and the browser is remembered."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import redirect, request, session, url_for
from flask_login import login_user
from werkzeug.wrappers import Response

from app.auth import throttle
from app.auth import two_step_pending as pending
from app.auth.devices import describe_device
from app.auth.models import User
from app.auth.sessions import start_session
from app.auth.signed_in import SESSION_TOKEN_KEY, SHARED_DEVICE_KEY, UNSAVED_FORM_KEY
from app.db import get_session
from app.security_log import security_event


def safe_next(target: str | None) -> str:
    """Only our own paths: never redirect a user off-site after signing in.

    Browsers read a backslash as a slash (so "/\\evil.example" is "//evil.example", another
    site) and drop tabs and line breaks from URLs; a line break in a Location header is
    also refused by the server. Anything but a plain path of printable characters goes
    to the account home instead.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and "%5c" not in target.lower()
        and target.isprintable()
        and " " not in target
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("account.home")


def start(user: User, *, shared_device: bool = False) -> None:
    """Sign ``user`` in to this browser."""
    assert user.id is not None
    # A fresh cookie and a fresh server-side session at every sign-in (no fixation);
    # only a refused CPD form waiting for this sign-in comes along (app/cpd/refused.py).
    unsaved = session.get(UNSAVED_FORM_KEY)
    session.clear()
    if unsaved is not None:
        session[UNSAVED_FORM_KEY] = unsaved
    session[SESSION_TOKEN_KEY] = start_session(
        db=get_session(),
        user_id=user.id,
        device=describe_device(request.headers.get("User-Agent")),
    )
    # On a shared or public computer nothing is kept on the device: no offline copies.
    session[SHARED_DEVICE_KEY] = shared_device
    login_user(user)


def finish(
    user: User, *, shared_device: bool, next_path: str | None, second_step: bool = False
) -> Response:
    """Sign in, then go where the person was going. A browser of their own is
    remembered, so strangers' wrong guesses at the account do not slow them down."""
    start(user, shared_device=shared_device)
    said = {"second_step": True} if second_step else {}
    security_event("sign_in_succeeded", level=logging.INFO, **said)
    response = redirect(safe_next(next_path))
    if not shared_device:
        throttle.remember_device(response, email=user.email)
    return response


def ask_for_second_step(user: User, *, shared_device: bool) -> Response:
    """The password was right, but the account has two-step sign-in on: nobody is signed
    in until the code is (app/auth/two_step_views.py)."""
    assert user.id is not None
    pending.begin(user_id=user.id, shared_device=shared_device, next_path=request.args.get("next"))
    security_event("sign_in_needs_second_step", level=logging.INFO, account_id=user.id)
    return redirect(url_for("auth.sign_in_code"))
