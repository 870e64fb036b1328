"""Flask extensions, created unbound and attached in create_app."""

from flask import Flask, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    # ProxyFix (configured by PROXY_COUNT) has already put the client's address here.
    return request.remote_addr or "unknown"


csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(client_address, default_limits=[], strategy="fixed-window")


def limits_apply_to_every_request(limiter: Limiter) -> bool:
    """Whether any limit is set for every request (application or default limits) or
    for a whole blueprint: those are what Flask-Limiter checks before each request. A
    limit on a view (limiter.limit, shared_limit) is checked by its own decorator."""
    manager = limiter.limit_manager
    # _blueprint_limits: Flask-Limiter (pinned in requirements.lock) has no public reader.
    blueprint_limits = getattr(manager, "_blueprint_limits", None)
    return bool(
        manager.application_limits
        or manager.default_limits
        or blueprint_limits is None
        or blueprint_limits
    )


def check_limits_in_views_only(app: Flask) -> None:
    """Every limit here is on a view, so Flask-Limiter's check before each request finds
    none to apply, on every request: about 5 % of the cheapest signed-in page (issue
    13). Take that check out while no limit applies to every request; should one ever be
    set (or Flask-Limiter change so that this cannot tell), the check stays."""
    if limits_apply_to_every_request(limiter):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
