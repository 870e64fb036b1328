"""Flask's session kept on the server: the cookie holds only a signed random id.

Flask's default cookie session is signed but readable by anyone holding the cookie (a
shared computer, a proxy log): it carried flash messages naming CPD records, the address
a reset was asked for and the CSRF secret. Here all of that is a row in the database,
found by the hash of the id (so a copy of the table does not give anyone's cookie).

The row is read once a request (not for static files) and written only when the
session changed and holds something; a visitor who was only given a form has an id and
no row (the CSRF secret is derived from the id, see ServerSession), and a session left
with nothing to keep loses its row. ``session.clear()`` (sign-in, sign-out) also throws
the id away, so an id seen before signing in is worthless after it (no fixation).

The row also names the sign-in it carries (the hash of its sign-in token, the same hash
`user_session` is found by), so the one query that reads the browser session also
brings the sign-in and its person: a signed-in request made two round trips to the
database before anything else (issue 13). app/auth checks what it brings exactly as
it would have checked what it looked up itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, Request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col
from werkzeug.datastructures import CallbackDict
from werkzeug.wrappers import Response

from app.auth.models import (
    PERSON_COLUMNS,
    SIGN_IN_COLUMNS,
    SIGN_IN_TOKEN_KEY,
    SignedInPerson,
    SignIn,
    User,
    UserSession,
    sign_in_and_person,
)
from app.auth.sessions import hash_token
from app.db import get_engine, request_connection, utcnow


class BrowserSession(SQLModel, table=True):
    __tablename__ = "browser_session"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True, index=True)
    data: str
    updated_at: dt.datetime = Field(default_factory=utcnow, index=True)
    # The hash of data's sign-in token (the key user_session is found by), or None.
    sign_in_hash: str | None = Field(default=None, max_length=64)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _sign_in_hash(data: dict[str, Any]) -> str | None:
    # Exactly the hash user_session is found by: the join depends on it.
    token = data.get(SIGN_IN_TOKEN_KEY)
    return hash_token(token) if token else None


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """One browser's session. ``key`` is its id (None until it needs one); a row holds
    its data once there is any.

    Flask-WTF keeps its CSRF secret in the session. Here that secret is not kept but
    derived from the id (an HMAC with the app's key), so a visitor who was only given a
    form needs no row: the id in their cookie is all there is to keep, and an anonymous
    visit writes nothing to the database (issue 19). Flask-WTF asks for a new secret by
    setting one; that gives the session an id instead."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        key: str | None = None,
        *,
        has_row: bool = False,
        csrf_field: str = "csrf_token",
        csrf_secret_for: Callable[[str], str] | None = None,
    ) -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.key = key
        self.presented_key = key  # the id the browser's cookie holds
        self.stored_key = key if has_row else None  # the id a row is kept under
        self.modified = False
        self.rotate = False
        self.csrf_field = csrf_field
        self.csrf_secret_for = csrf_secret_for
        # The sign-in hash the stored row names, and that sign-in and its person as read
        # with the row (None when either is gone), for app/auth to check.
        self.stored_sign_in: tuple[str, tuple[SignIn, SignedInPerson] | None] | None = None

    def _derived_csrf(self, name: str) -> bool:
        return name == self.csrf_field and not dict.__contains__(self, name)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str) and self._derived_csrf(name):
            return self.key is not None
        return dict.__contains__(self, name)

    def __getitem__(self, name: str) -> Any:
        if self._derived_csrf(name):
            if self.key is None or self.csrf_secret_for is None:
                raise KeyError(name)
            return self.csrf_secret_for(self.key)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        if self._derived_csrf(name):
            if self.key is None or self.csrf_secret_for is None:
                return default
            return self.csrf_secret_for(self.key)
        return super().get(name, default)

    def __setitem__(self, name: str, value: Any) -> None:
        if self._derived_csrf(name):
            self.give_id()  # the new secret is the new id's HMAC, not ``value``
            return
        super().__setitem__(name, value)

    def give_id(self) -> None:
        if self.key is None:
            self.key = secrets.token_urlsafe(32)

    def clear(self) -> None:
        super().clear()
        # A cleared session gets a new id (and so a new CSRF secret) when it needs one.
        self.rotate = True
        self.key = None


_table = BrowserSession.__table__  # type: ignore[attr-defined]
# Built once: it is read on every request. Outer joins: a session with no sign-in (or
# one whose sign-in row is gone) still has its data.
_SESSION_AND_SIGN_IN = (
    select(_table.c.data, _table.c.sign_in_hash, *SIGN_IN_COLUMNS, *PERSON_COLUMNS)
    .select_from(_table)
    .outerjoin(UserSession, col(UserSession.token_hash) == _table.c.sign_in_hash)
    .outerjoin(User, col(User.id) == col(UserSession.user_id))
    .where(_table.c.key_hash == bindparam("key_hash"))
)


class DatabaseSessionInterface(SessionInterface):
    serializer = TaggedJSONSerializer()

    def __init__(self, static_url_path: str | None) -> None:
        # Flask works the path out anew each time it is asked: once a request added up.
        self.static_prefix = (static_url_path or "/static") + "/"

    def _signer(self, app: Flask) -> Signer:
        return Signer(app.secret_key or "", salt="record-cpd-session-id")

    def _new_session(
        self, app: Flask, data: dict[str, Any] | None, key: str | None, *, has_row: bool
    ) -> ServerSession:
        app_key = app.secret_key or ""
        secret = app_key if isinstance(app_key, bytes) else app_key.encode()

        def csrf_secret_for(session_key: str) -> str:
            message = b"record-cpd-csrf-secret:" + session_key.encode()
            return hmac.new(secret, message, hashlib.sha256).hexdigest()

        return ServerSession(
            data,
            key,
            has_row=has_row,
            csrf_field=app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"),
            csrf_secret_for=csrf_secret_for,
        )

    def open_session(self, app: Flask, request: Request) -> ServerSession | None:
        if request.path.startswith(self.static_prefix):
            return None  # a read-only empty session: static files need none
        raw = request.cookies.get(self.get_cookie_name(app))
        if not raw:
            return self._new_session(app, None, None, has_row=False)
        try:
            key = self._signer(app).unsign(raw).decode()
        except BadSignature:
            return self._new_session(app, None, None, has_row=False)
        # Read on the request's own connection (app/db.py), whose transaction the request's
        # writes then carry on: on PostgreSQL (read committed) every statement still
        # sees what others committed before it; pysqlite begins a transaction only at
        # the first write, so SQLite keeps no snapshot from this read either. Not
        # through an ORM Session: a page that writes nothing then never makes one, and
        # a Core statement needs none of the ORM's execution (the two cost every page
        # 0.4 million instructions, 8 % of GET /account: bench/instructions.py).
        # get_session takes the transaction over.
        found = request_connection().execute(_SESSION_AND_SIGN_IN, {"key_hash": _hash(key)}).first()
        if found is None:
            # An id we gave out with nothing kept behind it (its CSRF secret is its own).
            return self._new_session(app, None, key, has_row=False)
        opened = self._new_session(app, self.serializer.loads(found.data), key, has_row=True)
        if found.sign_in_hash is not None:
            opened.stored_sign_in = (found.sign_in_hash, sign_in_and_person(found))
        return opened

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        keep = bool(dict(session))  # the CSRF secret is never in it: the id gives it
        # A row no longer wanted: the id changed (a sign-in or sign-out cleared the
        # session) or nothing is left to keep (a flash message read, say).
        if session.stored_key and (session.stored_key != session.key or not keep):
            with get_engine().begin() as connection:
                connection.execute(
                    delete(_table).where(_table.c.key_hash == _hash(session.stored_key))
                )
            session.stored_key = None
        if keep and (session.modified or session.stored_key is None):
            session.give_id()
            assert session.key is not None
            self._write(session, session.key)
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if session.key is None:
            # Nothing kept and no form given: the browser needs no id (signed out).
            if session.presented_key:
                response.delete_cookie(name, domain=domain, path=path)
            return
        if session.key == session.presented_key:
            return
        response.vary.add("Cookie")
        response.set_cookie(
            name,
            self._signer(app).sign(session.key).decode(),
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            domain=domain,
            path=path,
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )

    def _write(self, session: ServerSession, key: str) -> None:
        values = {
            "data": self.serializer.dumps(dict(session)),
            "sign_in_hash": _sign_in_hash(session),
            "updated_at": utcnow(),
        }
        engine = get_engine()
        if session.stored_key == key:
            with engine.begin() as connection:
                connection.execute(
                    update(_table).where(_table.c.key_hash == _hash(key)).values(**values)
                )
            return
        try:
            with engine.begin() as connection:
                connection.execute(insert(_table).values(key_hash=_hash(key), **values))
        except IntegrityError:
            # Another request of this browser kept its first row a moment before.
            with engine.begin() as connection:
                connection.execute(
                    update(_table).where(_table.c.key_hash == _hash(key)).values(**values)
                )
        session.stored_key = key


def purge_idle(*, older_than: dt.timedelta) -> int:
    """Forget sessions unchanged for longer than any sign-in or kept form lasts."""
    with get_engine().begin() as connection:
        result = connection.execute(
            delete(_table).where(_table.c.updated_at < utcnow() - older_than)
        )
    return int(result.rowcount)


def init_app(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface(app.static_url_path)
