"""The state between a correct password and the second step, for accounts with two-step
sign-in on. Held in this browser's server-side session (app/server_sessions.py), so it
belongs to this browser alone and is never in the cookie; it lasts a few minutes and
allows a few wrong codes, then the password must be entered again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import session

from app.db import utcnow
from app.policy import Policy

_KEY = "two_step_pending"


@dataclass(frozen=True)
class Pending:
    user_id: int
    shared_device: bool
    next_path: str | None


def begin(*, user_id: int, shared_device: bool, next_path: str | None) -> None:
    # A fresh session id, as at any sign-in: an id seen before the password is worthless.
    session.clear()
    session[_KEY] = {
        "user_id": user_id,
        "since": utcnow().timestamp(),
        "shared": shared_device,
        "next": next_path,
        "failures": 0,
    }


def current(policy: Policy) -> Pending | None:
    """The half-signed-in state if there is one and it has not run out."""
    state: dict[str, Any] | None = session.get(_KEY)
    if not state:
        return None
    age = utcnow().timestamp() - float(state["since"])
    if age > policy.two_step_sign_in_lasts.total_seconds() or age < 0:
        end()
        return None
    return Pending(int(state["user_id"]), bool(state["shared"]), state.get("next"))


def count_failure(policy: Policy) -> bool:
    """Count a wrong code; False when this sign-in has had all the tries it gets."""
    state = dict(session.get(_KEY) or {})
    state["failures"] = int(state.get("failures", 0)) + 1
    session[_KEY] = state
    if state["failures"] >= policy.two_step_attempts_per_sign_in:
        end()
        return False
    return True


def end() -> None:
    session.pop(_KEY, None)


def user_id_or_none() -> int | None:
    state = session.get(_KEY)
    return int(state["user_id"]) if state else None
