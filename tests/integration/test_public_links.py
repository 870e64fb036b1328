"""Links in emails come from the configured public address, never from the request
(ASVS 5.0 V3.x / V15: no trust in Host or X-Forwarded-Host)."""

import re

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app
from app.config import LocalConfig, ProductionConfig
from tests.conftest import csrf_token_from

pytestmark = pytest.mark.db

# What the README tells operators to make: secrets.token_hex(32).
STRONG_KEY = "5f0c9b2e8a41d7c3e6b9f2a0d4c8e1b7a3f6d9c2e5b8a1f4d7c0e3b6a9f2d5c8"


@pytest.mark.parametrize(
    ("kwargs", "label"),
    [
        ({"base_url": "http://evil.example"}, "Host"),
        ({"headers": {"X-Forwarded-Host": "evil.example"}}, "X-Forwarded-Host"),
    ],
)
def test_a_reset_link_uses_the_public_base_url_whatever_host_the_request_names(
    app, client, user, caplog, kwargs, label
):
    app.config["PUBLIC_BASE_URL"] = "https://cpd.example.org"
    # As behind a proxy that passes X-Forwarded-Host on (PROXY_COUNT=1).
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    caplog.set_level("INFO")
    page = client.get("/forgot-password", **kwargs).get_data(as_text=True)
    client.post(
        "/forgot-password",
        data={"csrf_token": csrf_token_from(page), "email": user.email},
        **kwargs,
    )
    links = re.findall(r"\S+/reset-password/\S+", caplog.text)
    assert links, "no reset email was written to the log"
    assert all(link.startswith("https://cpd.example.org/reset-password/") for link in links), label
    assert "evil.example" not in caplog.text


def test_production_refuses_to_start_without_a_public_base_url(database_url):
    class Production(ProductionConfig):
        SECRET_KEY = STRONG_KEY
        SQLALCHEMY_URL = database_url
        PUBLIC_BASE_URL = None

    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(Production)


def test_production_refuses_to_start_without_a_secret_key(database_url):
    class Production(ProductionConfig):
        SECRET_KEY = None
        SQLALCHEMY_URL = database_url
        PUBLIC_BASE_URL = "https://cpd.example.org"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Production)


def test_a_local_run_links_to_the_local_address():
    assert LocalConfig.PUBLIC_BASE_URL.startswith("http://127.0.0.1:")


def test_production_refuses_to_start_without_keys_for_two_step_secrets(database_url):
    class Production(ProductionConfig):
        SECRET_KEY = STRONG_KEY
        SQLALCHEMY_URL = database_url
        PUBLIC_BASE_URL = "https://cpd.example.org"
        TWO_STEP_KEYS = None

    with pytest.raises(RuntimeError, match="TWO_STEP_KEYS"):
        create_app(Production)


def test_a_two_step_key_that_cannot_work_stops_the_app_starting(database_url):
    from app.auth.secret_box import SecretBoxError

    class Production(ProductionConfig):
        SECRET_KEY = STRONG_KEY
        SQLALCHEMY_URL = database_url
        PUBLIC_BASE_URL = "https://cpd.example.org"
        MAIL_BACKEND = "smtp"
        TWO_STEP_KEYS = "too short"

    with pytest.raises(SecretBoxError):
        create_app(Production)


def test_production_refuses_to_start_when_emails_would_only_be_logged(database_url):
    """MAIL_BACKEND=log writes reset and confirmation links into the log instead of
    sending them: people would never get them, and the log would hold live tokens."""

    class Production(ProductionConfig):
        SECRET_KEY = STRONG_KEY
        SQLALCHEMY_URL = database_url
        PUBLIC_BASE_URL = "https://cpd.example.org"
        TWO_STEP_KEYS = "ab" * 32
        MAIL_BACKEND = "log"

    with pytest.raises(RuntimeError, match="MAIL_BACKEND=smtp"):
        create_app(Production)


@pytest.mark.parametrize(
    "weak",
    [
        "ab",
        "x" * 64,
        "ab" * 32,
        "0123456789abcdef" * 2,
        "correct-horse-battery-staple",  # 28 characters
        "passwordpassword1passwordpassword1",
    ],
)
def test_production_refuses_a_secret_key_anyone_could_guess(database_url, weak):
    class Production(ProductionConfig):
        SECRET_KEY = weak
        SQLALCHEMY_URL = database_url
        PUBLIC_BASE_URL = "https://cpd.example.org"
        TWO_STEP_KEYS = "ab" * 32
        MAIL_BACKEND = "smtp"

    with pytest.raises(RuntimeError, match="SECRET_KEY must be") as refused:
        create_app(Production)
    assert "secrets.token_hex(32)" in str(refused.value)
    assert weak not in str(refused.value)


@pytest.mark.parametrize(
    "strong",
    # secrets.token_hex(32) and secrets.token_urlsafe(32), made once.
    [STRONG_KEY, "q3ZJ0w6hV_8cKp1xR-tY4nB7mE2sLd9uGfA5oWiHjTk"],
)
def test_production_starts_with_a_generated_secret_key(database_url, strong):
    class Production(ProductionConfig):
        SECRET_KEY = strong
        SQLALCHEMY_URL = database_url
        PUBLIC_BASE_URL = "https://cpd.example.org"
        TWO_STEP_KEYS = "ab" * 32
        MAIL_BACKEND = "smtp"

    assert create_app(Production).config["SECRET_KEY"] == strong
