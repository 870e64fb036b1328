"""Flask's session kept on the server: the cookie holds only a signed random id.

Flask's default cookie session is signed but readable by anyone holding the cookie (a
shared computer, a proxy log): it carried flash messages naming CPD records, the address
a reset was asked for and the CSRF secret. Here all of that is a row in the database,
found by the hash of the id (so a copy of the table does not give anyone's cookie).

The row is read once a request (not for static files) and written only when the
session changed. ``session.clear()`` (sign-in, sign-out) also throws the id away, so an
id seen before signing in is worthless after it (no fixation).

The row also names the sign-in it carries (the hash of its sign-in token, the same hash
`user_session` is found by), so the one query that reads the browser session also
brings the sign-in and its person: a signed-in request made two round trips to the
database before anything else (issue 13). app/auth checks what it brings exactly as
it would have checked what it looked up itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from flask import Flask, Request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer
from sqlalchemy import bindparam, delete, insert, select, update
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
from app.db import get_engine, utcnow


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
    def __init__(self, initial: dict[str, Any] | None = None, key: str | None = None) -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.key = key
        self.modified = False
        self.rotate = False
        # The sign-in hash the stored row names, and that sign-in and its person as read
        # with the row (None when either is gone), for app/auth to check.
        self.stored_sign_in: tuple[str, tuple[SignIn, SignedInPerson] | None] | None = None

    def clear(self) -> None:
        super().clear()
        # A cleared session gets a new id when it is next saved.
        self.rotate = True


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

    def open_session(self, app: Flask, request: Request) -> ServerSession | None:
        if request.path.startswith(self.static_prefix):
            return None  # a read-only empty session: static files need none
        raw = request.cookies.get(self.get_cookie_name(app))
        if not raw:
            return ServerSession()
        try:
            key = self._signer(app).unsign(raw).decode()
        except BadSignature:
            return ServerSession()
        with get_engine().connect() as connection:
            found = connection.execute(_SESSION_AND_SIGN_IN, {"key_hash": _hash(key)}).first()
        if found is None:
            return ServerSession()
        opened = ServerSession(self.serializer.loads(found.data), key=key)
        if found.sign_in_hash is not None:
            opened.stored_sign_in = (found.sign_in_hash, sign_in_and_person(found))
        return opened

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        old_key = session.key if (session.rotate or not session) else None
        if old_key:
            with get_engine().begin() as connection:
                connection.execute(delete(_table).where(_table.c.key_hash == _hash(old_key)))
            session.key = None
        if not session:
            if old_key or session.modified:
                response.delete_cookie(name, domain=domain, path=path)
            return
        if not (session.modified or session.rotate) and session.key:
            return
        response.vary.add("Cookie")
        data = self.serializer.dumps(dict(session))
        sign_in_hash = _sign_in_hash(session)
        with get_engine().begin() as connection:
            if session.key:
                connection.execute(
                    update(_table)
                    .where(_table.c.key_hash == _hash(session.key))
                    .values(data=data, sign_in_hash=sign_in_hash, updated_at=utcnow())
                )
            else:
                session.key = secrets.token_urlsafe(32)
                connection.execute(
                    insert(_table).values(
                        key_hash=_hash(session.key),
                        data=data,
                        sign_in_hash=sign_in_hash,
                        updated_at=utcnow(),
                    )
                )
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


def purge_idle(*, older_than: dt.timedelta) -> int:
    """Forget sessions unchanged for longer than any sign-in or kept form lasts."""
    with get_engine().begin() as connection:
        result = connection.execute(
            delete(_table).where(_table.c.updated_at < utcnow() - older_than)
        )
    return int(result.rowcount)


def init_app(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface(app.static_url_path)
