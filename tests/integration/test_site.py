"""Rules every page and route keeps: headers, sign-in, error pages, URL style."""

import re

import pytest
from alembic import command

from app import create_app
from app.cli import alembic_config
from app.config import ProductionConfig
from tests.conftest import PASSWORD, csrf_token_from, submit

pytestmark = pytest.mark.db

PUBLIC_ENDPOINTS = {
    "static",
    "help.start",
    "help.contact",
    "help.cookies",
    "help.accessibility",
    "help.cpd_standard",
    "cpd.count",
    "cpd.count_explanation",
    "cpd.check_identifiers",
    "offline.service_worker",
    "offline.offline_page",
    "health.health",
    "help.feedback",
    "help.feedback_sent",
    "auth.create_account",
    "auth.account_check_your_email",
    "auth.confirm_account",
    "auth.sign_in",
    "auth.sign_out",
    "auth.signed_out",
    "auth.forgot_password",
    "auth.check_your_email",
    "auth.reset_password",
    # The second step of signing in: reached with a correct password, not a session
    # (tests/integration/test_two_step_sign_in.py checks what they need).
    "auth.sign_in_code",
    "auth.sign_in_recovery_code",
    # Opened from a reminder email, signed in or not: the signed token is the proof.
    "reminders.unsubscribe",
    # Opened from the new address's mailbox, perhaps on another device: the token is
    # the proof, and the account was signed in (with its password) to ask for it.
    "account.confirm_email",
    # Shown after the account, and its sign-in, have gone.
    "account.deleted",
    # A refused CPD form's "Sign in to save it": its words are held in this browser's
    # session, not in any account, while its writer signs in (app/cpd/refused.py).
    "cpd.hold_until_signed_in",
}


def _example_path(rule) -> str:
    path = re.sub(r"<int:[^>]+>", "1", rule.rule)
    return re.sub(r"<[^>]+>", "structured", path)


def test_every_route_not_listed_as_public_requires_sign_in(app, client):
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    walked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = _example_path(rule)
        if "GET" in rule.methods:
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith("/sign-in?next="), rule.rule
        walked += 1
    assert walked >= 11  # the account home and every CPD page


def test_every_url_is_lower_case_kebab(app):
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<[^>]+>", "", rule.rule)
        assert re.fullmatch(r"[a-z0-9/\-.]*", path), rule.rule
        assert "_" not in path, rule.rule


def test_security_headers_on_every_page(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]+'", csp)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_the_inline_script_carries_this_responses_nonce(client):
    response = client.get("/")
    nonce = re.search(r"'nonce-([\w-]+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)
    assert nonce not in client.get("/").get_data(as_text=True)


def test_signed_in_pages_are_never_stored(signed_in_client):
    for path in ("/account", "/your-cpd", "/cookies"):
        assert signed_in_client.get(path).headers["Cache-Control"] == "no-store", path


def test_signed_in_pages_are_not_reused_by_http_1_0_caches_or_lynx(signed_in_client):
    # lynx and HTTP/1.0 proxies ignore Cache-Control; they obey Pragma and Expires.
    for path in ("/account", "/your-cpd", "/your-cpd/new/structured", "/cookies"):
        headers = signed_in_client.get(path).headers
        assert headers["Pragma"] == "no-cache", path
        assert headers["Expires"] == "0", path


def test_signed_out_pages_may_still_be_cached(client):
    assert "Pragma" not in client.get("/cookies").headers


def test_the_session_cookie_is_http_only_and_same_site_lax(client, user):
    response = submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_host_prefixed_with_hsts(tmp_path, database_url):
    class Production(ProductionConfig):
        SECRET_KEY = "5f0c9b2e8a41d7c3e6b9f2a0d4c8e1b7a3f6d9c2e5b8a1f4d7c0e3b6a9f2d5c8"
        SQLALCHEMY_URL = database_url
        PUBLIC_BASE_URL = "https://localhost"
        MAIL_BACKEND = "smtp"
        TWO_STEP_KEYS = "ab" * 32

    production = create_app(Production)
    assert production.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert production.config["SESSION_COOKIE_SECURE"] is True
    response = production.test_client().get("/cookies", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_missing_page_uses_the_service_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found – Record CPD" in page
    assert "0808 196 2274" in page


def test_a_form_without_a_valid_csrf_token_gets_a_helpful_page_not_a_bare_400(client):
    response = client.post("/feedback", data={"message": "hello"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This page was open for too long" in page
    assert "govuk-footer" in page


def test_a_request_that_is_too_large_gets_a_page_in_the_layout(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/feedback", data={"message": "x" * 5000})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "What you sent is too large" in page
    assert "smaller than 1 KB" in page
    assert " 0 MB" not in page


def test_help_contact_and_feedback_appear_on_every_page(client):
    for path in ("/", "/sign-in", "/cookies", "/accessibility", "/create-account"):
        page = client.get(path).get_data(as_text=True)
        assert "0808 196 2274" in page, path
        assert "cpd-help@record-cpd.example" in page, path
        assert 'href="/feedback?page=' in page, path


def test_feedback_is_kept_with_the_page_it_was_about(client, db):
    from sqlmodel import select

    from app.help.models import Feedback

    form = client.get("/feedback?page=/your-cpd").get_data(as_text=True)
    client.post(
        "/feedback",
        data={
            "csrf_token": csrf_token_from(form),
            "message": "Works on my old PC",
            "page": "/your-cpd",
        },
    )
    saved = db.exec(select(Feedback)).one()
    assert (saved.message, saved.page) == ("Works on my old PC", "/your-cpd")


def test_empty_feedback_is_refused_with_an_error(client):
    response = submit(client, "/feedback", {"message": ""})
    assert "Enter your feedback" in response.get_data(as_text=True)


def test_the_models_and_migrations_agree(database_url):
    # Fails with "New upgrade operations detected" when a model changed without a migration.
    command.check(alembic_config(database_url))


def test_a_secret_key_is_generated_once_and_kept(tmp_path, database_url):
    key_file = tmp_path / "instance" / "secret_key"
    first = create_app(
        {"SECRET_KEY": None, "SECRET_KEY_FILE": key_file, "SQLALCHEMY_URL": database_url}
    )
    second = create_app(
        {"SECRET_KEY": None, "SECRET_KEY_FILE": key_file, "SQLALCHEMY_URL": database_url}
    )
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) == 64
    assert oct(key_file.stat().st_mode)[-3:] == "600"
