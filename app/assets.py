"""Static files and response compression: small, cached once, compressed on the wire.

Registrants often record CPD on a phone with weak signal, so every byte counts twice:

* Content-hashed URLs. At start-up every file under ``static/`` (bar the front-end
  sources in ``build/`` and ``scss/``) is hashed, and ``url_for("static", ...)`` gives
  ``/static/css/app.<hash>.css`` instead of ``/static/css/app.css`` (a ``url_defaults``
  hook, so no template needs to know). WhiteNoise serves the hashed URL from the same
  file with ``Cache-Control: max-age=<10 years>, public, immutable``: a changed file gets
  a new URL, so a browser never has to ask again. No hashed copies are written to disk.
* Plain URLs keep working with a short cache (WhiteNoise's 60 s), for anything that
  names a file directly. ``static/js/app.mjs`` imports the vendored modules by their
  plain paths; the layout's import map (``asset_import_map``) points those paths at
  the hashed URLs, so browsers with import maps (all current ones) fetch the immutable
  copies and older module browsers still get the plain ones. That keeps app.mjs free of
  build-generated names.
* Precompressed copies. Each compressible file gets ``.br`` (Brotli, best quality) and
  ``.gz`` (gzip -9) siblings, made by WhiteNoise's own compressor at start-up when they
  are missing or stale (they carry the source file's mtime). They are git-ignored, so a
  fresh clone's ``make run`` and CI make them; ``flask --app wsgi compress-static`` makes
  them in a build step for servers whose ``static/`` is read-only. WhiteNoise picks the
  smallest one the browser accepts.
* HTML (pages and htmx fragments) is compressed per response by Flask-Compress, Brotli
  first, then gzip. Streamed responses are left alone (COMPRESS_STREAMS is off), so
  file downloads keep streaming. BREACH (guessing a secret in a compressed page from
  its size) is blunted: the session cookie is SameSite=Lax, so another site can make a
  browser send it only with a top-level navigation, not in thousands of background
  requests; and Flask-WTF's CSRF token is re-signed with a timestamp every second, so
  it is never the same secret for long.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask_compress import Compress
from markupsafe import Markup
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

log = logging.getLogger(__name__)

URL_PREFIX = "/static/"
# Front-end sources and build scripts: served as before, but no page links to them, so
# they get neither hashed URLs nor compressed copies.
SOURCE_DIRS = ("build/", "scss/")
# Browsers resolve module imports through the import map; these are the module files.
MODULE_SUFFIXES = (".js", ".mjs")
HASH_LENGTH = 12


@dataclass
class StaticAssets:
    """What was found under static/ at start-up: file -> content-hashed name."""

    root: Path
    hashed: dict[str, str] = field(default_factory=dict)  # "css/app.css" -> "css/app.<h>.css"

    def immutable_urls(self) -> set[str]:
        return {URL_PREFIX + name for name in self.hashed.values()}

    def import_map(self) -> dict[str, dict[str, str]]:
        return {
            "imports": {
                URL_PREFIX + name: URL_PREFIX + hashed
                for name, hashed in sorted(self.hashed.items())
                if name.endswith(MODULE_SUFFIXES)
            }
        }


def hashed_name(filename: str, digest: str) -> str:
    """css/app.css -> css/app.<digest>.css; vendor/x/y.min.js -> vendor/x/y.min.<digest>.js"""
    directory, _, name = filename.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot and stem else f"{name}.{digest}"
    return f"{directory}/{hashed}" if directory else hashed


def _served_files(root: Path) -> list[str]:
    """Relative names of the files pages link to (compressed copies and sources left out)."""
    names = []
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if not path.is_file() or name.endswith((".gz", ".br")) or name.startswith(SOURCE_DIRS):
            continue
        if name.startswith(".") or "/." in name:
            continue
        names.append(name)
    return names


def scan(root: Path) -> StaticAssets:
    assets = StaticAssets(root=root)
    for name in _served_files(root):
        digest = hashlib.sha256((root / name).read_bytes()).hexdigest()[:HASH_LENGTH]
        assets.hashed[name] = hashed_name(name, digest)
    return assets


def _write_beside(source: Path, suffix: str, data: bytes, mtime_ns: int) -> None:
    """Write source+suffix atomically (several gunicorn workers may start at once)."""
    fd, temporary = tempfile.mkstemp(dir=source.parent, prefix=f".{source.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.utime(temporary, ns=(mtime_ns, mtime_ns))
        os.chmod(temporary, 0o644)
        os.replace(temporary, source.with_name(source.name + suffix))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Our own modules (not the vendored ones): their comments say why the code is as it is,
# for people reading it, and were about two fifths of each module's compressed bytes,
# downloaded by every phone on a weak signal. Their compressed copies leave out the lines
# that are only a comment; nothing within a line is touched, so no string, regular
# expression or URL can be cut (none of our modules has a template literal across
# lines: tests/unit/test_assets.py checks each one with node as it is served). A browser
# that takes neither Brotli nor gzip gets the file as written.
OWN_MODULES = "js/"


def without_comment_lines(data: bytes) -> bytes:
    lines = data.decode("utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if not line.lstrip().startswith("//")).encode("utf-8")


def compress_static(root: Path, *, force: bool = False) -> list[tuple[str, int, dict[str, int]]]:
    """Make or refresh the .br and .gz copies of every served file worth compressing.

    A copy is fresh when its mtime equals its source's (it is written with the source's
    mtime), so a second start finds nothing to do. Returns (name, size, {suffix: size})
    for each file compressed now.
    """
    compressor = Compressor(quiet=True)
    methods = [(".gz", _gzip)]
    if compressor.use_brotli:  # the Brotli package is installed
        methods.insert(0, (".br", _brotli))
    done = []
    for name in _served_files(root):
        if not compressor.should_compress(name):
            continue
        source = root / name
        mtime_ns = source.stat().st_mtime_ns
        copies = [source.with_name(source.name + suffix) for suffix, _ in methods]
        if not force and all(_mtime_ns(copy) == mtime_ns for copy in copies):
            continue
        data = source.read_bytes()
        if name.startswith(OWN_MODULES) and name.endswith(MODULE_SUFFIXES):
            data = without_comment_lines(data)
        sizes = {}
        for suffix, compress in methods:
            compressed = compress(data)
            # Not worth it (tiny or already compressed): the original is served.
            if len(compressed) > 0.95 * len(data):
                continue
            _write_beside(source, suffix, compressed, mtime_ns)
            sizes[suffix] = len(compressed)
        done.append((name, len(data), sizes))
    return done


def _gzip(data: bytes) -> bytes:
    compressed: bytes = Compressor.compress_gzip(data)
    return compressed


def _brotli(data: bytes) -> bytes:
    compressed: bytes = Compressor.compress_brotli(data)
    return compressed


def _mtime_ns(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _nosniff(headers: Any, path: str, url: str) -> None:
    # Static responses never reach Flask's after_request (app/security.py).
    headers["X-Content-Type-Options"] = "nosniff"


def init_app(app: Flask) -> None:
    """Serve static/ with WhiteNoise under hashed URLs, and compress HTML responses.

    Call it before other after_request hooks are registered: Flask runs those hooks in
    reverse order, so compression then happens last, on the finished response.
    """
    # Pages, htmx fragments, JSON and /sw.js. Not text/plain: uploaded documents go back
    # to their owners exactly as they were sent.
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        ["text/html", "application/json", "text/javascript", "application/javascript"],
    )
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)

    root = Path(app.static_folder or "static")
    assets = StaticAssets(root=root)
    if not app.debug:  # the debug server leaves static/ to Flask: plain URLs, no caching
        try:
            compress_static(root)
        except OSError as error:  # a read-only static/: the files go out uncompressed
            log.warning("could not write compressed static files (%s): run compress-static", error)
        assets = scan(root)
        immutable = assets.immutable_urls()
        whitenoise = WhiteNoise(
            app.wsgi_app,
            root=str(root),
            prefix=URL_PREFIX,
            immutable_file_test=lambda _path, url: url in immutable,
            add_headers_function=_nosniff,
        )
        for name, hashed in assets.hashed.items():
            whitenoise.add_file_to_dictionary(URL_PREFIX + hashed, str(root / name))
        app.wsgi_app = whitenoise  # type: ignore[method-assign]
    app.extensions["static_assets"] = assets

    @app.url_defaults
    def hashed_static_url(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in assets.hashed:
            values["filename"] = assets.hashed[values["filename"]]

    def asset_import_map() -> Markup:
        """The import map's JSON: plain module URLs -> hashed ones (for app.mjs's imports)."""
        text = json.dumps(assets.import_map(), separators=(",", ":"))
        return Markup(text.replace("<", "\\u003c"))  # noqa: S704 - our own file names

    app.jinja_env.globals["asset_import_map"] = asset_import_map

    @app.cli.command("compress-static")
    @click.option("--force", is_flag=True, help="Rewrite every compressed copy.")
    def compress_static_command(force: bool) -> None:
        """Write the .br and .gz copies of static files (for a read-only static/)."""
        for name, size, sizes in compress_static(root, force=force):
            made = ", ".join(f"{suffix} {n}" for suffix, n in sizes.items()) or "not worth it"
            click.echo(f"{name}: {size} bytes; {made}")
