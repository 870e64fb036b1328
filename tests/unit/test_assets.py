"""Static files: content-hashed names and the precompressed copies made at start-up."""

from __future__ import annotations

import gzip
import os

import brotli

from app.assets import compress_static, hashed_name, scan


def test_the_hash_goes_before_the_last_suffix():
    assert hashed_name("css/app.css", "abc123") == "css/app.abc123.css"
    assert hashed_name("vendor/htmx/htmx.esm.min.js", "abc") == "vendor/htmx/htmx.esm.min.abc.js"
    assert hashed_name("vendor/htmx/LICENSE", "abc") == "vendor/htmx/LICENSE.abc"


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "css").mkdir()
    stylesheet = tmp_path / "css" / "app.css"
    stylesheet.write_text("body { color: black }")
    before = scan(tmp_path).hashed["css/app.css"]
    stylesheet.write_text("body { color: teal }")
    after = scan(tmp_path).hashed["css/app.css"]
    assert before != after
    assert before.startswith("css/app.") and before.endswith(".css")


def test_sources_and_compressed_copies_get_no_hashed_name(tmp_path):
    for name in ("scss/app.scss", "build/build.mjs", "js/app.mjs", "js/app.mjs.gz", "js/.x.tmp"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert list(scan(tmp_path).hashed) == ["js/app.mjs"]


def test_the_import_map_covers_modules_only(tmp_path):
    for name in ("js/app.mjs", "vendor/htmx/htmx.esm.min.js", "css/app.css"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    imports = scan(tmp_path).import_map()["imports"]
    assert sorted(imports) == ["/static/js/app.mjs", "/static/vendor/htmx/htmx.esm.min.js"]
    assert all(url.startswith("/static/") for url in imports.values())


def test_compressed_copies_are_made_once_and_remade_when_the_file_changes(tmp_path):
    source = tmp_path / "app.css"
    text = "body { color: black }\n" * 200
    source.write_text(text)
    made = compress_static(tmp_path)
    assert [name for name, _size, _sizes in made] == ["app.css"]
    assert brotli.decompress((tmp_path / "app.css.br").read_bytes()).decode() == text
    assert gzip.decompress((tmp_path / "app.css.gz").read_bytes()).decode() == text
    mtime = source.stat().st_mtime_ns
    assert (tmp_path / "app.css.br").stat().st_mtime_ns == mtime

    assert compress_static(tmp_path) == []  # fresh: nothing to do

    source.write_text(text + "p { margin: 0 }\n")
    os.utime(source, ns=(mtime - 10**9, mtime - 10**9))  # even an older file (git checkout)
    assert [name for name, _size, _sizes in compress_static(tmp_path)] == ["app.css"]
    assert brotli.decompress((tmp_path / "app.css.br").read_bytes()).decode().endswith("0 }\n")


def test_files_not_worth_compressing_get_no_copies(tmp_path):
    (tmp_path / "tiny.svg").write_text("<svg/>")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG" + os.urandom(2000))
    compress_static(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png", "tiny.svg"]
