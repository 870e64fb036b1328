"""The floor's floor: a bare Flask app with one route that returns an HTML page about the
size of GET /account (6.3 KB), no templates, no database, no session, no extensions.
bench/floor.py serves it with the same gunicorn settings as the app and compares the two.

    .venv/bin/gunicorn --config python:app.gunicorn_conf --workers 2 \\
        --pythonpath bench bare_app:app
"""

from __future__ import annotations

from flask import Flask

PAGE_BYTES = 6300  # GET /account, signed in, uncompressed (30 November 2026)

_HEAD = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    "<title>Your account – Record CPD</title>\n</head>\n<body>\n<main>\n"
    "<h1>Your account</h1>\n"
)
_TAIL = "</main>\n</body>\n</html>\n"
_PARAGRAPH = "<p>Record your CPD throughout the year and see what you have recorded so far.</p>\n"


def _page() -> str:
    body = _PARAGRAPH * ((PAGE_BYTES - len(_HEAD) - len(_TAIL)) // len(_PARAGRAPH))
    page = _HEAD + body + _TAIL
    return page + " " * (PAGE_BYTES - len(page.encode()))


PAGE = _page()
app = Flask(__name__)


@app.get("/account")
def account() -> str:
    return PAGE
