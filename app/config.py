"""Named configurations, picked by the RECORD_CPD_CONFIG environment variable.

``local`` (the default) is what ``make run`` serves on http://127.0.0.1 with SQLite;
``production`` expects HTTPS and its secrets from the environment; ``test`` is used by
the test suite (in-process and for the live gunicorn server).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("RECORD_CPD_INSTANCE_DIR", PROJECT_ROOT / "instance"))


# Werkzeug's scrypt at the strength it uses by default (about 0.1 s a hash here):
# deliberately slow, so sign-in is rate-limited first (app/auth/passwords.py).
PRODUCTION_HASH_METHOD = "scrypt:32768:8:1"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class BaseConfig:
    NAME = "base"
    SQLALCHEMY_URL = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'record-cpd.db'}")
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SECRET_KEY_FILE = INSTANCE_DIR / "secret_key"

    # The cookie holds a signed random session id and the CSRF secret, nothing else.
    SESSION_COOKIE_NAME = "record_cpd_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    HSTS = False

    # CSRF tokens live as long as the (server-side) session does: a form left open all
    # afternoon must still post. The session record's idle and absolute timeouts bound it.
    WTF_CSRF_TIME_LIMIT: int | None = None

    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "log")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_STARTTLS = os.environ.get("MAIL_USE_STARTTLS", "") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Record CPD <no-reply@record-cpd.example>")
    # Account emails are sent after the answer (app/background.py); tests that read an
    # email straight after a request turn this off.
    MAIL_IN_BACKGROUND = True

    # Shared by every instance when there are several (rate limits; /health checks it).
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Rate limits: Redis when REDIS_URL is set (several servers); otherwise a table in
    # the app's database, which every worker and instance already shares (see
    # app/ratelimit_storage.py). Counting in memory would give each worker its own count.
    RATELIMIT_STORAGE_URI: str | None = os.environ.get("REDIS_URL") or None
    # Keeps these counts apart from anything else kept in the same Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "record-cpd")
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-ins. Tiers make the wait grow as an attack goes on: under a minute
    # at first, then a quarter of an hour, then a day. The per-account limit applies only
    # to browsers without that account's device cookie (app/auth/throttle.py).
    SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get(
        "SIGN_IN_LIMIT_PER_ACCOUNT", "5 per minute; 10 per 15 minutes; 30 per day"
    )
    SIGN_IN_LIMIT_PER_DEVICE = os.environ.get(
        "SIGN_IN_LIMIT_PER_DEVICE", "5 per minute; 10 per 15 minutes; 30 per day"
    )
    SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get(
        "SIGN_IN_LIMIT_PER_ADDRESS", "20 per minute; 50 per 15 minutes; 300 per day"
    )
    ACCOUNT_FORMS_LIMIT_PER_ADDRESS = os.environ.get(
        "ACCOUNT_FORMS_LIMIT_PER_ADDRESS", "20 per 15 minutes"
    )
    # Wrong two-step codes (app or recovery) for one account, whichever browser sends
    # them: after the password, a 6-digit code is the only thing left to guess.
    TWO_STEP_LIMIT_PER_ACCOUNT = os.environ.get(
        "TWO_STEP_LIMIT_PER_ACCOUNT", "5 per minute; 10 per 15 minutes; 30 per day"
    )
    # Keys that encrypt the authenticator secrets (app/auth/secret_box.py): 64 hex
    # characters each, comma-separated, newest first. Unset (local and test only), a key
    # is derived from SECRET_KEY.
    TWO_STEP_KEYS: str | None = os.environ.get("TWO_STEP_KEYS")

    # Where people reach the service, e.g. https://cpd.example.org: every link in an
    # email is built from it, never from the request's Host or X-Forwarded-Host, which
    # an attacker chooses (a reset link pointing at their own site).
    PUBLIC_BASE_URL: str | None = os.environ.get("PUBLIC_BASE_URL")
    # Settings without which this configuration must not start.
    REQUIRED_SETTINGS: tuple[str, ...] = ()
    # Refuse a SECRET_KEY anyone could guess (see secret_key_problem).
    CHECK_SECRET_KEY_STRENGTH = False
    REQUIRED_VALUES: dict[str, tuple[str, ...]] = {}

    # Number of proxies in front of the app that set X-Forwarded-For (0 = none).
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)

    # How often a session's "last seen" time is written: not on every request, so that
    # autosaves do not each cost a second write; a fraction of the idle timeout.
    SESSION_TOUCH_SECONDS = _env_int("SESSION_TOUCH_SECONDS", 30)
    # How new password hashes are made. Not read from the environment: only the test
    # configuration below makes it cheaper, and production refuses anything else.
    PASSWORD_HASH_METHOD = PRODUCTION_HASH_METHOD

    # Keep the layout's skip link, header and footer once rendered (app/layout.py); off,
    # every page runs the GOV.UK macros again (the tests compare the two).
    LAYOUT_CACHE = True


class LocalConfig(BaseConfig):
    NAME = "local"
    PUBLIC_BASE_URL = BaseConfig.PUBLIC_BASE_URL or (
        f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    )


class TestConfig(BaseConfig):
    NAME = "test"
    TESTING = True
    SQLALCHEMY_URL = os.environ.get("DATABASE_URL", "sqlite://")
    SECRET_KEY = os.environ.get("SECRET_KEY", "test-secret-key-not-for-production")
    SESSION_TOUCH_SECONDS = _env_int("SESSION_TOUCH_SECONDS", 0)
    PUBLIC_BASE_URL = BaseConfig.PUBLIC_BASE_URL or "http://localhost"
    # scrypt at 1/256 of the production work (n=128 is the least OpenSSL allows at r=8):
    # tests make and sign in hundreds of accounts, and at 0.1-0.2 s a hash that was most
    # of their set-up time. The same algorithm and code path; tests/unit/test_passwords.py
    # checks the production parameters.
    PASSWORD_HASH_METHOD = "scrypt:128:8:1"  # noqa: S105 - a method, not a password


class ProductionConfig(BaseConfig):
    NAME = "production"
    SESSION_COOKIE_SECURE = True
    # __Host- cookies are only accepted over HTTPS, for the whole host, path /.
    SESSION_COOKIE_NAME = "__Host-record_cpd_session"
    PREFERRED_URL_SCHEME = "https"
    HSTS = True
    # A key generated into instance/ would differ between instances behind a load
    # balancer; links to a guessed address would be wrong. Both must be set.
    # TWO_STEP_KEYS apart from SECRET_KEY: the key that reads every authenticator secret
    # should not also be the one that signs cookies, and each can be replaced alone.
    REQUIRED_SETTINGS = ("SECRET_KEY", "PUBLIC_BASE_URL", "TWO_STEP_KEYS")
    # Settings that must hold one of these values. MAIL_BACKEND=log writes reset and
    # confirmation links into the log instead of sending them: nobody would receive
    # them, and the log would hold live tokens.
    REQUIRED_VALUES: dict[str, tuple[str, ...]] = {
        "MAIL_BACKEND": ("smtp",),
        "PASSWORD_HASH_METHOD": (PRODUCTION_HASH_METHOD,),
    }
    # The key signs every session id, CSRF token, kept_for and unsubscribe link.
    CHECK_SECRET_KEY_STRENGTH = True


SECRET_KEY_MIN_LENGTH = 32
MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_hex(32))'"


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is too weak to sign anything, or None. Entropy cannot be measured
    from one value; this refuses what is certainly weak: short (under 32 characters;
    a generated key of 32 random bytes is 64 hex characters), few different
    characters, or a piece repeated. Never names the key itself."""
    length = len(key.encode())
    if length < SECRET_KEY_MIN_LENGTH:
        return f"at least {SECRET_KEY_MIN_LENGTH} characters long (it has {length})"
    if len(set(key)) < 8:
        return "random: it uses fewer than 8 different characters"
    pieces = [key[start : start + 8] for start in range(len(key) - 7)]
    if len(set(pieces)) < len(pieces):
        return "random: a run of 8 characters appears in it twice"
    return None


CONFIGS: dict[str, type[BaseConfig]] = {
    "local": LocalConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[BaseConfig]:
    name = os.environ.get("RECORD_CPD_CONFIG", "local")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"RECORD_CPD_CONFIG={name!r} is not one of {', '.join(CONFIGS)}"
        ) from None
