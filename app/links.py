"""Absolute links for emails, built from the configured public address."""

from __future__ import annotations

from typing import Any

from flask import current_app


def public_url(endpoint: str, **values: Any) -> str:
    """The link to ``endpoint`` at PUBLIC_BASE_URL.

    Flask's ``url_for(_external=True)`` takes the host from the request (Host or, behind
    a proxy, X-Forwarded-Host), which the sender of the request chooses. This builds the
    path from the URL map alone, so it also works in background jobs with no request.
    """
    base: str = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    path: str = current_app.url_map.bind("public.invalid").build(endpoint, values)
    return base + path
