"""Sign-in throttling that slows an attacker without locking the real owner out.

Sign-ins are counted before the password is checked, and given back when it was right
(app/attempts.py), in storage every worker shares (see ratelimit_storage):
- per network address: many accounts tried from one place;
- per account, for browsers the account has never signed in from: guessing one person's
  password. Tiers of limits make the wait grow (a minute, then a quarter of an hour,
  then a day) the longer an attack goes on;
- per device, for a browser holding that account's device cookie.

The device cookie (OWASP "Slow down online guessing attacks with device cookies") is a
signed, random token bound to one account, set when someone signs in or resets their
password on a computer they did not say was shared. A browser that presents it for the
account it names is counted on its own: strangers' failed attempts never lock the owner
out of their usual device, and a stolen cookie buys only its own small allowance.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from flask import current_app, make_response, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from app.attempts import Attempt, Limit, count_attempt
from app.auth.forms import EMAIL_MAX_LENGTH
from app.auth.services import normalise_email
from app.extensions import client_key, keyed_hash

DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
_SALT = "record-cpd-device-cookie"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _cookie_name() -> str:
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    # __Host-: only over HTTPS, for this host and path / (cannot be planted by a subdomain).
    return "__Host-record_cpd_device" if secure else "record_cpd_device"


def _account_tag(email: str) -> str:
    """Names the account without putting its address in a readable cookie."""
    return keyed_hash(normalise_email(email))


def remember_device(response: Response, *, email: str) -> None:
    value = _serializer().dumps({"a": _account_tag(email), "n": secrets.token_urlsafe(16)})
    response.set_cookie(
        _cookie_name(),
        value,
        max_age=DEVICE_COOKIE_MAX_AGE,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/",
    )


def _device_nonce_for(email: str) -> str | None:
    """The device's token if this browser has signed in to this account before."""
    raw = request.cookies.get(_cookie_name())
    if not raw or not email:
        return None
    try:
        data = _serializer().loads(raw, max_age=DEVICE_COOKIE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not hmac.compare_digest(
        str(data.get("a", "")), _account_tag(email)
    ):
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) else None


def _email_tried() -> str:
    """The address typed, as the form reads it, or nothing when it is longer than any
    address can be: what is hashed for a key, or checked against the device cookie,
    is never longer than that."""
    email = normalise_email(request.form.get("email", ""))
    return email if len(email) <= EMAIL_MAX_LENGTH else ""


def is_trusted_device(email: str | None = None) -> bool:
    """Whether this browser holds the device cookie of the account ``email`` names (by
    default the one in the posted form)."""
    tried = _email_tried() if email is None else normalise_email(email)
    return _device_nonce_for(tried) is not None


def count_sign_in(email: str) -> Attempt:
    """Count a sign-in with ``email`` (from a valid form) before its password is checked,
    or raise TooManyAttempts. Give the attempt back if the password was right.

    A browser holding this account's device cookie is counted on its own; any other is
    counted per network address and per account. Every key is a keyed hash."""
    config = current_app.config
    email = normalise_email(email)
    nonce = _device_nonce_for(email)
    if nonce is not None:
        return count_attempt(
            Limit(config["SIGN_IN_LIMIT_PER_DEVICE"], "sign-in", "device:" + keyed_hash(nonce))
        )
    return count_attempt(
        Limit(config["SIGN_IN_LIMIT_PER_ADDRESS"], "sign-in", client_key()),
        Limit(config["SIGN_IN_LIMIT_PER_ACCOUNT"], "sign-in", "account:" + keyed_hash(email)),
    )


def count_code_guess(user_id: int) -> Attempt:
    """Count a two-step code (or the password asked with it) for one account, whichever
    browser sends it, before it is checked; give it back if it was right."""
    return count_attempt(
        Limit(current_app.config["TWO_STEP_LIMIT_PER_ACCOUNT"], "two-step-codes", f"user:{user_id}")
    )


def password_guesses(view: Callable[..., ResponseReturnValue]) -> Callable[..., Response]:
    """Guessing the password here is guessing a sign-in: a post is counted for the
    account before the view checks the password (app/attempts.py; a refusal raises the
    429 page), and given back when the view redirects, as it does only for a right
    password."""

    @functools.wraps(view)
    def counted(*args: Any, **kwargs: Any) -> Response:
        # The password this form checks (changing it asks for the current one). A post
        # without one guesses nothing (the form only says it is missing): not counted,
        # or a few empty forms would lock the person out of their own account pages.
        guessed = request.form.get("current_password", request.form.get("password", ""))
        if request.method != "POST" or not guessed:
            return make_response(view(*args, **kwargs))
        attempt = count_attempt(
            Limit(
                current_app.config["SIGN_IN_LIMIT_PER_DEVICE"],
                "account-password",
                f"user:{current_user.get_id()}",
            )
        )
        response = make_response(view(*args, **kwargs))
        if response.status_code == 302:
            attempt.refund()
        return response

    return counted
