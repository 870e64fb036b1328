"""Two-step sign-in: a code from an authenticator app (TOTP, RFC 6238) after the
password, or one of the account's one-time recovery codes.

Rules (ASVS 5.0 6.5): codes are single-use - an app code's time step is remembered and
no code of that step or an earlier one is accepted again; a recovery code is used up by
one conditional UPDATE, so two requests at once cannot both use it. Recovery codes are
kept only as salted scrypt hashes; the app secret is kept encrypted (secret_box.py).
Functions below take the database session; the views hold no rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import secrets
import time
from urllib.parse import quote

import pyotp
import segno
from sqlmodel import Session, col, delete, func, select, update

from app.auth.secret_box import SecretBox
from app.auth.sessions import end_other_sessions
from app.auth.two_step_models import RecoveryCode, TwoStepSetting
from app.db import as_utc, utcnow
from app.policy import Policy

# No 0/o, 1/l/i: a code read off paper or typed from a phone must not be ambiguous.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# scrypt at the strength Werkzeug uses for passwords (about 0.1 s): a stolen hash of a
# 50-bit code must not be cheap to guess (ASVS 5.0 6.5.2).
_SCRYPT = {"n": 2**15, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}


# --- Rules that need no database ----------------------------------------------------------


def new_secret() -> str:
    """160 random bits (RFC 4226's recommended length), base32 as apps expect."""
    return pyotp.random_base32(length=32)


def secret_in_groups(secret: str) -> str:
    """Groups of four, for people who type the secret in rather than scan it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    label = quote(f"{issuer}:{account}", safe=":")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}"


def secret_spelled_out(secret: str) -> str:
    """The key a character at a time, for screen readers, which read "K5VW" as a word
    or a number: "K 5 V W, A B C D"."""
    return ", ".join(" ".join(secret[i : i + 4]) for i in range(0, len(secret), 4))


QR_SCALE, QR_BORDER = 4, 4


def qr_png(uri: str) -> bytes:
    """The QR code as a PNG image, drawn on the server: every graphical browser shows a
    PNG (lynx shows its text alternative), where old engines drew no inline SVG."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def qr_png_size(uri: str) -> tuple[int, int]:
    """Its width and height in pixels, so the page keeps room for it as it loads."""
    width, height = segno.make(uri, error="m").symbol_size(scale=QR_SCALE, border=QR_BORDER)
    return int(width), int(height)


def waiting_secret(
    *, db: Session, user_id: int, box: SecretBox, policy: Policy, now: dt.datetime | None = None
) -> str | None:
    """The secret of a set-up still waiting to be confirmed, or None: never a new one,
    never one already in use."""
    now = now or utcnow()
    setting = _setting(db, user_id)
    if setting is None or setting.confirmed_at is not None:
        return None
    if now - as_utc(setting.created_at) > policy.two_step_setup_lasts:
        return None
    return box.open(setting.sealed_secret, context=_context(user_id))


def normalise_app_code(raw: str) -> str:
    return "".join(raw.split()).replace("-", "")


def is_app_code(raw: str, *, policy: Policy) -> bool:
    code = normalise_app_code(raw)
    return code.isascii() and code.isdigit() and len(code) == policy.two_step_code_digits


def _totp(secret: str, policy: Policy) -> pyotp.TOTP:
    return pyotp.TOTP(
        secret, digits=policy.two_step_code_digits, interval=policy.two_step_time_step_seconds
    )


def matching_step(secret: str, raw: str, *, policy: Policy, at: float | None = None) -> int | None:
    """The time step ``raw`` is the code of, within the allowed window, or None."""
    if not is_app_code(raw, policy=policy):
        return None
    code = normalise_app_code(raw)
    at = time.time() if at is None else at
    totp = _totp(secret, policy)
    now_step = int(at) // policy.two_step_time_step_seconds
    window = policy.two_step_window_steps
    for step in range(now_step - window, now_step + window + 1):
        expected = totp.at(step * policy.two_step_time_step_seconds)
        if hmac.compare_digest(expected, code):
            return step
    return None


def new_recovery_codes(policy: Policy) -> list[str]:
    codes: set[str] = set()
    while len(codes) < policy.recovery_code_count:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(policy.recovery_code_length))
        half = len(raw) // 2
        codes.add(f"{raw[:half]}-{raw[half:]}")
    return sorted(codes)


def normalise_recovery_code(raw: str) -> str:
    return "".join(raw.split()).replace("-", "").lower()


def hash_recovery_code(code: str, *, salt: bytes) -> str:
    return hashlib.scrypt(normalise_recovery_code(code).encode(), salt=salt, **_SCRYPT).hex()


# --- The account's two-step setting -------------------------------------------------------


def _context(user_id: int) -> str:
    return f"user:{user_id}"


def _setting(db: Session, user_id: int) -> TwoStepSetting | None:
    return db.exec(select(TwoStepSetting).where(TwoStepSetting.user_id == user_id)).first()


def is_on(*, db: Session, user_id: int) -> bool:
    setting = _setting(db, user_id)
    return setting is not None and setting.confirmed_at is not None


def start_setup(
    *, db: Session, user_id: int, box: SecretBox, policy: Policy, now: dt.datetime | None = None
) -> str | None:
    """The secret to show on the set-up page: the one already waiting if it is still
    fresh (a reload must not change what the app was given), else a new one. None if
    two-step sign-in is already on: its secret is never shown again."""
    now = now or utcnow()
    setting = _setting(db, user_id)
    if setting is not None and setting.confirmed_at is not None:
        return None
    if setting is not None and now - as_utc(setting.created_at) <= policy.two_step_setup_lasts:
        return box.open(setting.sealed_secret, context=_context(user_id))
    secret = new_secret()
    if setting is None:
        setting = TwoStepSetting(user_id=user_id, sealed_secret="")
    setting.sealed_secret = box.seal(secret, context=_context(user_id))
    setting.created_at = now
    setting.last_used_step = None
    db.add(setting)
    db.commit()
    return secret


def confirm_setup(
    *,
    db: Session,
    user_id: int,
    box: SecretBox,
    policy: Policy,
    code: str,
    keep_token: str,
    now: dt.datetime | None = None,
) -> list[str] | None:
    """Turn two-step sign-in on if ``code`` comes from the app given the waiting secret.
    Every other sign-in of the account ends with it, as at a password change: one made
    with the password alone must not outlast the second step being asked for; the
    sign-in ``keep_token`` names (the one turning it on) carries on. Returns the new
    recovery codes (shown once, never kept), or None."""
    now = now or utcnow()
    setting = _setting(db, user_id)
    if setting is None or setting.confirmed_at is not None:
        return None
    if now - as_utc(setting.created_at) > policy.two_step_setup_lasts:
        return None
    secret = box.open(setting.sealed_secret, context=_context(user_id))
    step = matching_step(secret, code, policy=policy, at=now.timestamp())
    if step is None:
        return None
    turned_on = db.exec(
        update(TwoStepSetting)
        .where(col(TwoStepSetting.id) == setting.id)
        .where(col(TwoStepSetting.confirmed_at).is_(None))
        .values(confirmed_at=now, last_used_step=step)
    )
    if turned_on.rowcount != 1:  # another request confirmed it first
        db.rollback()
        return None
    end_other_sessions(db=db, user_id=user_id, keep_token=keep_token)
    return _replace_recovery_codes(db, user_id=user_id, policy=policy, now=now)


def use_app_code(
    *,
    db: Session,
    user_id: int,
    box: SecretBox,
    policy: Policy,
    code: str,
    now: dt.datetime | None = None,
) -> bool:
    """True, once, for a current code from the account's app."""
    now = now or utcnow()
    setting = _setting(db, user_id)
    if setting is None or setting.confirmed_at is None:
        return False
    secret = box.open(setting.sealed_secret, context=_context(user_id))
    step = matching_step(secret, code, policy=policy, at=now.timestamp())
    if step is None:
        return False
    # Conditional on the step being newer than the last one used: of two requests with
    # the same code, only the first changes the row.
    used = db.exec(
        update(TwoStepSetting)
        .where(col(TwoStepSetting.id) == setting.id)
        .where(
            col(TwoStepSetting.last_used_step).is_(None)
            | (col(TwoStepSetting.last_used_step) < step)
        )
        .values(last_used_step=step)
    )
    db.commit()
    return bool(used.rowcount == 1)


def use_recovery_code(
    *, db: Session, user_id: int, code: str, now: dt.datetime | None = None
) -> bool:
    """True, once, for one of the account's unused recovery codes."""
    if not normalise_recovery_code(code):
        return False
    unused = db.exec(
        select(RecoveryCode)
        .where(RecoveryCode.user_id == user_id)
        .where(col(RecoveryCode.used_at).is_(None))
    ).all()
    hashes: dict[str, str] = {}
    for salt in {row.salt for row in unused}:
        hashes[salt] = hash_recovery_code(code, salt=bytes.fromhex(salt))
    match = next(
        (row for row in unused if hmac.compare_digest(row.code_hash, hashes[row.salt])), None
    )
    if match is None:
        return False
    used = db.exec(
        update(RecoveryCode)
        .where(col(RecoveryCode.id) == match.id)
        .where(col(RecoveryCode.used_at).is_(None))
        .values(used_at=now or utcnow())
    )
    db.commit()
    return bool(used.rowcount == 1)


def use_either_code(
    *, db: Session, user_id: int, box: SecretBox, policy: Policy, code: str
) -> str | None:
    """For turning two-step sign-in off: "app" or "recovery" for whichever kind of code
    was given and accepted, else None."""
    if is_app_code(code, policy=policy):
        ok = use_app_code(db=db, user_id=user_id, box=box, policy=policy, code=code)
        return "app" if ok else None
    return "recovery" if use_recovery_code(db=db, user_id=user_id, code=code) else None


def recovery_codes_left(*, db: Session, user_id: int) -> int:
    return int(
        db.exec(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id)
            .where(col(RecoveryCode.used_at).is_(None))
        ).one()
    )


def _replace_recovery_codes(
    db: Session, *, user_id: int, policy: Policy, now: dt.datetime
) -> list[str]:
    codes = new_recovery_codes(policy)
    salt = secrets.token_bytes(16)
    db.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    for code in codes:
        db.add(
            RecoveryCode(
                user_id=user_id,
                code_hash=hash_recovery_code(code, salt=salt),
                salt=salt.hex(),
                created_at=now,
            )
        )
    db.commit()
    return codes


def replace_recovery_codes(
    *, db: Session, user_id: int, policy: Policy, now: dt.datetime | None = None
) -> list[str]:
    """New recovery codes; the old ones stop working."""
    return _replace_recovery_codes(db, user_id=user_id, policy=policy, now=now or utcnow())


def turn_off(*, db: Session, user_id: int) -> None:
    """Forget the secret and every recovery code. Account deletion can call this too,
    though the foreign keys already cascade."""
    db.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    db.exec(delete(TwoStepSetting).where(col(TwoStepSetting.user_id) == user_id))
    db.commit()
