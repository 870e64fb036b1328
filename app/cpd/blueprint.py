"""The CPD pages' blueprint, in a module of its own: each page module adds its routes
to it, and app/cpd/__init__.py imports them all, so no page module imports the
package that imports it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cpd", __name__)
