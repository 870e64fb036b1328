"""Static files go out under content-hashed URLs, cached for good and compressed; pages
are compressed too, and signed-in pages are still never stored."""

from __future__ import annotations

import gzip
import json
import re

import brotli
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.config import PROJECT_ROOT

STATIC = PROJECT_ROOT / "static"
HASHED = re.compile(r"^/static/(?P<name>.+)\.[0-9a-f]{12}(?P<suffix>\.[a-z]+)$")
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def _plain_client(app: Flask, signed_in_as: FlaskClient | None = None) -> FlaskClient:
    """A client that does not decode pages (the checking client cannot read brotli)."""
    plain = FlaskClient(app, app.response_class, use_cookies=True)
    if signed_in_as is not None:
        name = app.config["SESSION_COOKIE_NAME"]
        cookie = signed_in_as.get_cookie(name)
        assert cookie is not None
        plain.set_cookie(name, cookie.value)
    return plain


def _assets_on(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def _import_map(html: str) -> dict[str, str]:
    found = re.search(r'<script type="importmap" nonce="[^"]+">(.*?)</script>', html)
    assert found, "the page has no import map"
    return json.loads(found.group(1))["imports"]


def _file_for(url: str) -> bytes:
    match = HASHED.match(url)
    assert match, f"{url} is not a content-hashed URL"
    return (STATIC / (match["name"] + match["suffix"])).read_bytes()


def test_pages_link_hashed_assets_that_are_cached_for_good(client):
    html = client.get("/sign-in").get_data(as_text=True)
    urls = _assets_on(html)
    assert any(url.endswith(".css") for url in urls)
    assert any(url.endswith(".mjs") for url in urls)
    assert any(url.endswith(".svg") for url in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.get_data() == _file_for(url)
        response.close()


def test_assets_are_sent_precompressed(client):
    html = client.get("/sign-in").get_data(as_text=True)
    (stylesheet,) = [url for url in _assets_on(html) if url.endswith(".css")]
    original = _file_for(stylesheet)

    response = client.get(stylesheet, headers=BROWSER)
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert brotli.decompress(response.get_data()) == original
    assert int(response.headers["Content-Length"]) < len(original) / 5
    response.close()

    response = client.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()) == original
    response.close()


def test_plain_static_urls_still_work_with_a_short_cache(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=60, public"
    response.close()


def test_every_module_app_mjs_imports_is_mapped_to_its_hashed_url(client):
    imports = _import_map(client.get("/sign-in").get_data(as_text=True))
    app_mjs = (STATIC / "js" / "app.mjs").read_text()
    imported = re.findall(r"""import\(\s*['"](/static/[^'"]+)['"]\s*\)""", app_mjs)
    assert imported, "app.mjs imports nothing by a /static/ path any more: update this test"
    for url in imported:
        assert url in imports, f"{url} is not in the import map"
    for plain, hashed in imports.items():
        response = client.get(hashed)
        assert response.status_code == 200, hashed
        assert "immutable" in response.headers["Cache-Control"]
        assert response.get_data() == (STATIC / plain.removeprefix("/static/")).read_bytes()
        response.close()


def test_pages_are_compressed(app):
    client = _plain_client(app)
    response = client.get("/sign-in", headers=BROWSER)
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Cookie" in response.headers["Vary"]
    assert "<h1" in brotli.decompress(response.get_data()).decode()

    response = client.get("/sign-in", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "<h1" in gzip.decompress(response.get_data()).decode()

    # Clients that ask for nothing get plain HTML.
    response = client.get("/sign-in")
    assert "Content-Encoding" not in response.headers


@pytest.mark.db
def test_signed_in_pages_are_compressed_and_never_stored(app, signed_in_client):
    response = _plain_client(app, signed_in_client).get("/your-cpd/new/structured", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Cache-Control"] == "no-store"
    html = brotli.decompress(response.get_data()).decode()
    assert "<form" in html


def test_streamed_responses_are_left_alone(app):
    """Downloads stream as they are made: never buffered to be compressed."""

    @app.route("/test-stream")
    def stream():
        return app.response_class((f"<p>{n}</p>" * 100 for n in range(50)), mimetype="text/html")

    response = _plain_client(app).get("/test-stream", headers=BROWSER)
    assert response.is_streamed
    assert "Content-Encoding" not in response.headers
    assert response.get_data(as_text=True).startswith("<p>0</p>")


def test_the_debug_server_links_plain_urls(tmp_path, database_url):
    """`flask run --debug` leaves static/ to Flask, so edited files show at once."""
    from app import create_app

    debug_app = create_app(
        {
            "DEBUG": True,
            "TESTING": True,
            # Migrated: the page's session is kept in the database.
            "SQLALCHEMY_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    html = debug_app.test_client().get("/sign-in").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert _import_map(html) == {}
    debug_app.extensions["db_engine"].dispose()


@pytest.mark.parametrize(
    "path",
    [
        "/static/no-such-file.css",
        "/static/css/app.0123456789ab.css",
        "/static/js/missing/deeper.mjs",
        "/static/",
    ],
)
def test_a_missing_static_file_is_a_plain_404(app, client, caplog, path):
    """Not a 500 with a traceback: a static path has no session, so the service's 404
    page (which needs one for its CSRF token) cannot be drawn there."""
    app.testing = False  # as served: an exception would become a 500
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert len(response.get_data()) < 100
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Traceback" not in caplog.text


def test_posting_to_a_static_path_is_a_plain_405(app, client, caplog):
    app.testing = False
    response = client.post("/static/no-such-file.css")
    assert response.status_code == 405
    assert response.mimetype == "text/plain"
    assert "Traceback" not in caplog.text
