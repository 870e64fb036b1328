"""Print and keep: print views of a record and of a registration year, "Download all
your CPD" as a ZIP built as a stream, and importing such a ZIP into an account."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("keep", __name__)

from app.keep import views  # noqa: E402,F401  (registers the routes)
