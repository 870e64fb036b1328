"""Absolute links for emails, built from the configured public address."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def public_url(endpoint: str, **values: Any) -> str:
    """The link to ``endpoint`` at PUBLIC_BASE_URL.

    Flask's ``_external=True`` takes the host from the request (Host or, behind a proxy,
    X-Forwarded-Host), which the sender of the request chooses.
    """
    base: str = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)
