"""Flask extensions, created unbound and attached in create_app."""

import hashlib
import hmac

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from app.ratelimit_storage import READ_FIRST_FIXED_WINDOW


def client_address() -> str:
    # ProxyFix (configured by PROXY_COUNT) has already put the client's address here.
    return request.remote_addr or "unknown"


def keyed_hash(value: str) -> str:
    """What a rate-limit count is kept under: the same short length whatever was sent,
    and keyed, so the counts (kept a day) name no address, email or network, even to
    someone holding a copy of the table."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def client_key() -> str:
    """The client's network address, as rate limits count it."""
    return "address:" + keyed_hash(client_address())


csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(client_key, default_limits=[], strategy=READ_FIRST_FIXED_WINDOW)


def limits_apply_to_every_request(limiter: Limiter, app: Flask) -> bool:
    """Whether any limit is set for every request (application or default limits) or
    for a whole blueprint: those are what Flask-Limiter checks before each request. A
    limit on a view (limiter.limit, shared_limit) is checked by its own decorator."""
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits:
        return True
    with app.app_context():
        return any(manager.blueprint_limits(app, name) for name in app.blueprints)


def check_limits_in_views_only(app: Flask) -> None:
    """Every limit here is on a view, so Flask-Limiter's check before each request finds
    none to apply, on every request: about 5 % of the cheapest signed-in page (issue
    13). Take that check out while no limit applies to every request; should one ever be
    set, the check stays. Flask-Limiter has no switch for it: its one before-request
    hook is the one bound to the limiter, found through Flask's public list of hooks."""
    if limits_apply_to_every_request(limiter, app):
        return
    hooks = app.before_request_funcs.get(None, [])
    hooks[:] = [hook for hook in hooks if getattr(hook, "__self__", None) is not limiter]
