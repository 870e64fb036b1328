"""Sign-in throttling that slows an attacker without locking the real owner out.

Failed sign-ins are counted (in storage every worker shares, see ratelimit_storage):
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

import hashlib
import hmac
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from app.extensions import client_address

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
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


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
    return request.form.get("email", "").strip().lower()


def is_trusted_device() -> bool:
    return _device_nonce_for(_email_tried()) is not None


def is_untrusted_device() -> bool:
    return not is_trusted_device()


def account_key() -> str:
    return "account:" + _email_tried()


def device_key() -> str:
    return "device:" + (_device_nonce_for(_email_tried()) or "none")


def address_key() -> str:
    return "address:" + client_address()
