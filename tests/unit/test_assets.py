"""Static files: content-hashed names and the precompressed copies made at start-up."""

from __future__ import annotations

import gzip
import os
import subprocess
from pathlib import Path

import brotli

from app.assets import compress_static, hashed_name, scan, without_comment_lines


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


def test_our_modules_compressed_copies_leave_out_whole_line_comments(tmp_path):
    """About two fifths of each of our modules' compressed bytes were comments, read by
    people working on the code and downloaded by every phone on a weak signal."""
    module = "// Why the code is as it is.\n  // Indented, too.\nconst url = 'http://x/y' // kept\n"
    vendored = "// A third party's file, served as its authors wrote it.\nconst a = 1\n"
    for name, text in (("js/app.mjs", module * 40), ("vendor/lib.js", vendored * 40)):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    compress_static(tmp_path)
    for suffix, decompress in ((".br", brotli.decompress), (".gz", gzip.decompress)):
        served = decompress((tmp_path / f"js/app.mjs{suffix}").read_bytes()).decode()
        assert served == "const url = 'http://x/y' // kept\n" * 40
        kept = decompress((tmp_path / f"vendor/lib.js{suffix}").read_bytes()).decode()
        assert kept == vendored * 40


def test_every_module_without_its_comment_lines_is_still_valid_javascript(tmp_path):
    """A comment line is left out only where it cannot be part of a string: none of our
    modules has a template literal across lines. Node checks each one as served."""
    static = Path(__file__).resolve().parents[2] / "static"
    for source in sorted((static / "js").glob("*.mjs")):
        copy = tmp_path / source.name
        copy.write_bytes(without_comment_lines(source.read_bytes()))
        checked = subprocess.run(["node", "--check", str(copy)], capture_output=True, text=True)
        assert checked.returncode == 0, f"{source.name}: {checked.stderr}"
        assert len(copy.read_bytes()) < 0.9 * len(source.read_bytes()), source.name
