"""The account pages' blueprint, in a module of its own: the page modules add their
routes to it, and app/auth/__init__.py imports them, so no page module imports the
package that imports it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
