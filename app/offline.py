"""Offline support: the service worker script and the page it shows when a page cannot
be reached and nothing better is kept.

The worker is served from the site root so that its scope is the whole site, and is
rendered with the list of assets to precache and a version made from their contents:
a new release changes the version, and the new worker replaces the old caches.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for

bp = Blueprint("offline", __name__)

# Files every page may need, by their path under static/.
PRECACHE = (
    "css/app.css",
    "js/app.mjs",
    "js/session-timeout.mjs",
    "js/device-copies.mjs",
    "js/character-count.mjs",
    "images/favicon.svg",
)


@cache
def _assets_version(static_folder: str, names: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    folder = Path(static_folder)
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in {".css", ".js", ".mjs", ".svg"}:
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    digest.update("\n".join(names).encode())
    return digest.hexdigest()[:16]


def precache_urls() -> list[str]:
    urls = [url_for("static", filename=name) for name in PRECACHE]
    # The modules app.mjs imports by a fixed path.
    urls += [
        url_for("static", filename="vendor/htmx/htmx.esm.min.js"),
        url_for("static", filename="vendor/govuk-frontend/govuk-frontend.min.js"),
    ]
    return urls + [url_for("offline.offline_page")]


@bp.route("/sw.js")
def service_worker() -> Response:
    urls = precache_urls()
    static_folder = current_app.static_folder or "static"
    body = render_template(
        "offline/sw.js",
        version=_assets_version(static_folder, tuple(urls)),
        precache=urls,
        offline_url=url_for("offline.offline_page"),
    )
    response = Response(body, mimetype="text/javascript")
    # Browsers check for a new worker on navigation; never serve a stale one.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline_page() -> str:
    return render_template("pages/offline/offline.html")
