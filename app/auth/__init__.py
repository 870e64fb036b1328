"""Accounts: create, sign in, sign out, reset a forgotten password (the pages:
views.py, two_step_views.py, account_views.py; who is signed in: signed_in.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.auth import signed_in  # noqa: F401  (Flask-Login's user loader)
from app.auth.blueprint import bp
from app.extensions import login_manager


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
