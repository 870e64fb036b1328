"""The account pages' blueprint, in a module of its own: the page modules add their routes to
it, and app/account/__init__.py imports them, so no page module imports the package that
imports it."""

from __future__ import annotations

from flask import Blueprint

# cli_group=None: the purge command is `flask purge-deleted-accounts`, like purge-expired.
bp = Blueprint("account", __name__, cli_group=None)
