"""Flask extensions, created unbound and attached in create_app."""

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    # ProxyFix (configured by PROXY_COUNT) has already put the client's address here.
    return request.remote_addr or "unknown"


csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(client_address, default_limits=[], strategy="fixed-window")
