"""What a piece of code asks the database: every SQL statement sent while a block runs.

One helper for the tests that count queries (a page's cost must not grow with the data)
or compare them (two paths that must do the same work)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def statements_sent(engine: Engine | Flask) -> Iterator[list[str]]:
    """The SQL text of each statement ``engine`` (or an app's engine) sends inside the
    block, in order, without parameters."""
    if isinstance(engine, Flask):
        engine = engine.extensions["db_engine"]
    statements: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)
