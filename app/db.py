"""The database engine and a session per request."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy import delete as sa_delete
from sqlalchemy import select as sa_select
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    """Aware UTC: SQLModel's UTCDateTime columns store and return it on every database."""
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back without their zone; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# How long a write waits for the database before giving up (another write holds it).
# Writes are short (nothing slow runs inside one), so waiting longer than this means
# something is wrong: the person is better told at once, their words kept on the page
# (app/cpd/busy.py), than left waiting for a worker that may be killed.
BUSY_SECONDS = 5.0


def make_engine(
    url: str, *, busy_seconds: float = BUSY_SECONDS, autocommit: bool = False
) -> Engine:
    """The app's engine for ``url``. ``autocommit``: every statement commits itself, for
    callers whose every write is one statement (no BEGIN and COMMIT round trips)."""
    private_sqlite_file(url)
    kwargs: dict[str, Any] = {
        # A failed statement's parameters (answers, session data) stay out of logs.
        "hide_parameters": True,
    }
    if autocommit:
        kwargs["isolation_level"] = "AUTOCOMMIT"
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_seconds}
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One shared connection, or every request would see an empty database.
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
        # A row another transaction holds is waited for this long, then refused.
        kwargs["connect_args"] = {"options": f"-c lock_timeout={int(busy_seconds * 1000)}"}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        busy_ms = int(busy_seconds * 1000)
        event.listen(
            engine, "connect", lambda connection, _record: _sqlite_pragmas(connection, busy_ms)
        )
    event.listen(engine, "handle_error", _keep_values_out_of_the_message)
    return engine


# PostgreSQL's own message quotes a value it could not read: `invalid input syntax for
# type integer: "..."`.
_QUOTED_VALUE = re.compile(r': ".*"$')


def _keep_values_out_of_the_message(context: ExceptionContext) -> None:
    """hide_parameters keeps SQLAlchemy from writing the values; PostgreSQL writes them
    itself, in the DETAIL line (`Key (email)=(...) already exists`, `Failing row
    contains (...)`). Keep the message's first line, with any quoted value hidden. The
    exception keeps its class, SQLSTATE and diagnostics (constraint names), so code
    that catches an IntegrityError still can."""
    # The driver's exception, and SQLAlchemy's, which copied its text when it was made.
    for error in (context.original_exception, context.sqlalchemy_exception):
        if error is not None and error.args and isinstance(error.args[0], str):
            first_line = error.args[0].split("\n", 1)[0]
            error.args = (_QUOTED_VALUE.sub(': "[hidden]"', first_line), *error.args[1:])


def private_sqlite_file(url: str) -> None:
    """The database holds everyone's CPD: only the app's own user may read it. SQLite
    gives its -wal and -shm files the database file's mode, so creating the file 0600
    (in a 0700 directory) covers all three; an existing file is tightened too."""
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if each.exists() and each.stat().st_mode & 0o077:
            each.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while one writer saves; NORMAL is durable at checkpoints
    # and fast enough for autosave bursts on one machine.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    # Deleted rows are overwritten with zeros, not just marked free: a deleted account's
    # words must not stay readable in the file (most builds default to it; not all).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def scrub_wal(engine: Engine) -> bool:
    """Copy the write-ahead log into the database and empty it, after a person's data
    was deleted for good. Until a checkpoint the -wal file keeps every page a
    transaction changed, the deleted words among them; secure_delete has zeroed the
    freed pages, and TRUNCATE leaves the -wal file at zero bytes. It waits (up to the
    busy timeout) for readers to finish; False if one held on, and the daily
    purge-expired tries again. Nothing to do on PostgreSQL (see the README)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return True
    with engine.connect() as connection:
        row = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    busy = int(row[0])
    if busy:
        log.warning("the write-ahead log could not be emptied yet: a reader held on")
    return not busy


def init_app(app: Flask) -> None:
    app.extensions["db_engine"] = make_engine(
        app.config["SQLALCHEMY_URL"],
        busy_seconds=float(app.config.get("DATABASE_BUSY_SECONDS", BUSY_SECONDS)),
    )

    @app.teardown_appcontext
    def close_session(_error: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
        connection = g.pop("db_connection", None)
        if connection is not None:
            connection.close()


def get_engine() -> Engine:
    engine: Engine = current_app.extensions["db_engine"]
    return engine


def is_busy(error: BaseException) -> bool:
    """Whether a database error means another write held what this one needed for
    longer than it waits (SQLite: the database is locked; PostgreSQL: lock_timeout)."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "lock timeout" in text or "database is busy" in text


def request_connection() -> Connection:
    """The request's one connection from the pool, taken at its first query (the
    browser session's read, app/server_sessions.py) and given back at teardown.
    On PostgreSQL each checkout costs a round trip (the pre-ping), and the session's
    read in a transaction of its own cost two more (its BEGIN and ROLLBACK): an
    autosave made 12 round trips, 9 on one connection (bench/pg_round_trips.py)."""
    if "db_connection" not in g:
        g.db_connection = get_engine().connect()
    connection: Connection = g.db_connection
    return connection


def get_session() -> Session:
    """The request's database session, on the request's connection; services commit,
    teardown closes. It never checks out another connection, and it owns the
    connection's transaction whether or not one is open (the browser session's read
    may have begun it): its commit commits it, its rollback and close roll it back
    (``control_fully``; the default would leave an open one to the connection, so a
    commit would commit nothing)."""
    if "db_session" not in g:
        g.db_session = Session(
            bind=request_connection(), expire_on_commit=False, join_transaction_mode="control_fully"
        )
    session: Session = g.db_session
    return session


def delete_with_dependants(db: Session, table: Table, ids: Sequence[Any]) -> None:
    """Delete rows by id after the rows of every table that points at them, found from
    the foreign keys, so a table added later is purged too. It sees the tables that are
    imported: create_app imports every feature, and with it every table (app/models.py
    lists them)."""
    for child in SQLModel.metadata.sorted_tables:
        for foreign_key in child.foreign_keys:
            if foreign_key.column.table is not table:
                continue
            if "id" not in child.c:  # nothing points at a row without an id
                db.execute(sa_delete(child).where(foreign_key.parent.in_(ids)))
                continue
            child_ids = list(
                db.execute(sa_select(child.c.id).where(foreign_key.parent.in_(ids))).scalars()
            )
            if child_ids:
                delete_with_dependants(db, child, child_ids)
    db.execute(sa_delete(table).where(table.c.id.in_(ids)))
