"""Response headers: a nonce-based CSP, no framing, no caching of personal pages."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

# Autosave and live counts (htmx) talk only to this origin; forms post only here.
CSP_TEMPLATE = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self'; "
    "img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'none'; "
    "object-src 'none'"
)


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def no_store(body: str, status: int = 200) -> Response:
    """A page that must not be kept in any cache or the browser's history: it names an
    email address, or its URL carries a one-time token."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    # HTTP/1.0 caches and old browsers (lynx among them) ignore Cache-Control.
    response.headers["Pragma"] = "no-cache"
    response.headers["Expires"] = "0"
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    fixed = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        # same-origin keeps the Referer on our own requests (Flask-WTF checks it over
        # HTTPS) and sends nothing to other sites, so reset links never leak.
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config["HSTS"]:
        fixed.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        # A view may have set its own; the names are read once (each lookup of a
        # missing header by name raises and catches an exception inside Werkzeug,
        # which on the cheapest page cost more than the rest of this hook).
        present = {name.lower() for name, _value in headers.items()}
        if "content-security-policy" not in present:
            headers.add("Content-Security-Policy", CSP_TEMPLATE.format(nonce=csp_nonce()))
        for name, value in fixed:
            if name.lower() not in present:
                headers.add(name, value)
        if request.environ.get("HTTP_HX_REQUEST") == "true" and "csrf_token" in session:
            # htmx sends the token in a header; every answer hands back the current one,
            # so a form left open for hours keeps saving.
            headers["X-CSRF-Token"] = generate_csrf()
        if not request.path.startswith("/static/"):
            response.vary.add("Cookie")
            if current_user and current_user.is_authenticated:
                headers["Cache-Control"] = "no-store"
                # HTTP/1.0 caches and lynx ignore Cache-Control: without these, lynx
                # showed Your CPD from before a record was added.
                headers["Pragma"] = "no-cache"
                headers["Expires"] = "0"
        return response
