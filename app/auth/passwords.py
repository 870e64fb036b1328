"""Password rules (NCSC / NIST style): long enough, not common, not about the person.

No composition rules: they make passwords harder to remember, not harder to guess.
"""

from __future__ import annotations

import functools
import re

from werkzeug.security import check_password_hash, generate_password_hash

from app.config import PRODUCTION_HASH_METHOD
from app.policy import Policy

# The method new hashes are made with; create_app sets it from PASSWORD_HASH_METHOD. A
# hash names its own method and parameters, so checking one never depends on this.
_hash_method = PRODUCTION_HASH_METHOD

MIN_NAME_PART_LENGTH = 4
# Fewer different characters than this is a keyboard held down, however long.
MIN_DISTINCT_CHARACTERS = 4
# Runs people type instead of a password; read forwards, backwards and round again.
_RUNS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")


@functools.cache
def common_passwords() -> frozenset[str]:
    """About 30,000 common passwords, from the zxcvbn package's frequency list."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # noqa: PLC0415 - large, load lazily

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def use_hash_method(method: str) -> None:
    """Called by create_app: one process serves one app, and passwords are hashed outside
    requests too (the CLI, tests making accounts), where there is no app to ask."""
    global _hash_method
    generate_password_hash("", method=method)  # a misspelt method fails at start-up
    _hash_method = method


def hash_method() -> str:
    return _hash_method


@functools.cache
def _timing_dummy_hash(method: str) -> str:
    """A hash of a random password, checked when no account matches an address so that
    "no such account" takes as long as "wrong password": made with the method new
    hashes are made with, so both cost the same."""
    return generate_password_hash("not-a-real-password-just-for-timing", method=method)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_hash_method)


def password_matches(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        check_password_hash(_timing_dummy_hash(_hash_method), password)
        return False
    return check_password_hash(password_hash, password)


def _is_common(password: str) -> bool:
    lowered = password.lower()
    if lowered in common_passwords():
        return True
    # "password123456" and "qwertyqwerty" are as guessable as the word they are made of.
    stripped = re.sub(r"[\d\W_]+$", "", lowered)
    if stripped != lowered and stripped in common_passwords() and len(stripped) >= 1:
        return True
    return _is_repetitive(lowered) or _is_a_run(lowered)


def _is_repetitive(lowered: str) -> bool:
    """Refuses e.g. "1111111111111", "alicealicealice", "abababababa": long but weak."""
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS:
        return True
    for size in range(1, len(lowered) // 2 + 1):
        unit = lowered[:size]
        if (unit * (len(lowered) // size + 1))[: len(lowered)] == lowered:
            return True
    return False


def _is_a_run(lowered: str) -> bool:
    """Refuses e.g. "1234567890123", "abcdefghijkl", "9876543210": the next key, again."""
    for run in _RUNS:
        cycle = run * (len(lowered) // len(run) + 2)
        if lowered in cycle or lowered in cycle[::-1]:
            return True
    return False


def password_problem(
    password: str, *, policy: Policy, email: str = "", full_name: str = ""
) -> str | None:
    """The error message for a password that breaks a rule, or None if it is allowed."""
    if len(password) < policy.password_min_length:
        return f"Password must be {policy.password_min_length} characters or more"
    if len(password) > policy.password_max_length:
        return f"Password must be {policy.password_max_length} characters or fewer"
    if _is_common(password):
        return "Password is too common and easy to guess – choose a different one"
    lowered = password.lower()
    email = email.strip().lower()
    local_part = email.split("@", 1)[0]
    if email and (
        email in lowered or (len(local_part) >= MIN_NAME_PART_LENGTH and local_part in lowered)
    ):
        return "Password must not contain your email address"
    name_parts = [part for part in re.split(r"[\s\-']+", full_name.lower()) if part]
    if any(len(part) >= MIN_NAME_PART_LENGTH and part in lowered for part in name_parts):
        return "Password must not contain your name"
    return None
