"""Accounts made straight in a database, for tests that are not about signing up.

Signing up through the form costs a browser two forms, an email and a link; the tests
that are about signing up still do it (tests/browser/steps.py: sign_up). Every other
test needs only a confirmed account, which is what confirming the emailed link makes:
the same services.create_account, with the same answers.
"""

from __future__ import annotations

import functools

from sqlalchemy import create_engine
from sqlmodel import Session
from werkzeug.security import generate_password_hash

from app.auth import services
from app.auth.models import User
from app.config import TestConfig
from app.policy import load_policy


@functools.cache
def password_hash(password: str) -> str:
    """Made as the test configuration makes it (cheap scrypt), whichever app, if any,
    this process last set up; once per password."""
    return generate_password_hash(password, method=TestConfig.PASSWORD_HASH_METHOD)


def make_account(
    database_url: str,
    email: str,
    *,
    password: str,
    full_name: str,
    registration_number: str | None = None,
) -> User:
    engine = create_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            return services.create_account(
                db=db,
                policy=load_policy(),
                full_name=full_name,
                email=email,
                registration_number=registration_number,
                password_hash=password_hash(password),
            )
    finally:
        engine.dispose()
