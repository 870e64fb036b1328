"""The security log (ASVS 5.0 V16): who tried what, as JSON lines on one logger, and
never a password, token, reset link or CPD text."""

import contextlib
import json
import logging
import re
import time
import urllib.error
import urllib.request

import pytest
from flask import url_for

from app.security_log import LOGGER_NAME, JsonFormatter
from tests.conftest import PASSWORD, csrf_token_from, submit
from tests.integration.test_cpd_records import records, structured_answers

pytestmark = pytest.mark.db


@pytest.fixture
def security_log(caplog):
    """The security log as its handler writes it: one JSON object a line."""
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    formatter = JsonFormatter()

    def lines() -> list[dict]:
        written = [formatter.format(r) for r in caplog.records if r.name == LOGGER_NAME]
        return [json.loads(line) for line in written]

    return lines


def _events(lines: list[dict]) -> list[str]:
    return [line["event"] for line in lines]


def test_a_failed_sign_in_is_logged_without_the_password_or_address(client, user, security_log):
    submit(client, "/sign-in", {"email": user.email, "password": "my secret guess"})
    [line] = [line for line in security_log() if line["event"] == "sign_in_failed"]
    assert line["level"] == "WARNING"
    assert line["client_address"] == "127.0.0.1"
    assert {"time", "path", "account"} <= set(line)
    written = json.dumps(security_log())
    assert "my secret guess" not in written
    assert user.email not in written


def test_throttling_is_logged(app, client, user, security_log):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "1 per 15 minutes"
    for _ in range(2):
        submit(client, "/sign-in", {"email": user.email, "password": "wrong guess"})
    [line] = [line for line in security_log() if line["event"] == "rate_limited"]
    assert line["limit"] == "1 per 15 minute"


def test_a_password_reset_is_logged_without_its_token_or_link(client, user, caplog, security_log):
    caplog.set_level("INFO")
    submit(client, "/forgot-password", {"email": user.email})
    link = re.search(r"http://localhost(/reset-password/(\S+))", caplog.text)
    new = "a brand new passphrase"
    submit(client, link.group(1), {"password": new, "password_confirmation": new})
    lines = security_log()
    assert {"password_reset_requested", "password_reset_completed"} <= set(_events(lines))
    written = json.dumps(lines)
    assert link.group(2) not in written
    assert new not in written


def test_a_used_reset_link_is_logged(client, security_log):
    client.get("/reset-password/not-a-real-token")
    assert "reset_link_invalid" in _events(security_log())
    assert "not-a-real-token" not in json.dumps(security_log())


def test_a_csrf_failure_is_logged(signed_in_client, security_log):
    signed_in_client.post("/sign-out")
    [line] = [line for line in security_log() if line["event"] == "csrf_failed"]
    assert line["path"] == "/sign-out"
    assert line["user_id"] is not None


def test_looking_at_someone_elses_record_is_logged_without_its_text(
    signed_in_client, other_client, db, security_log
):
    answers = structured_answers()
    submit(signed_in_client, "/your-cpd/new/structured", answers)
    [record] = records(db)
    assert other_client.get(f"/your-cpd/{record.id}").status_code == 404
    [line] = [line for line in security_log() if line["event"] == "cross_account_not_found"]
    assert line["record_id"] == record.id
    assert line["owner_id"] != line["user_id"]
    written = json.dumps(security_log())
    assert answers["title"] not in written


def test_a_missing_record_of_ones_own_is_not_a_security_event(signed_in_client, security_log):
    assert signed_in_client.get("/your-cpd/999999").status_code == 404
    assert "cross_account_not_found" not in _events(security_log())


def test_sign_in_and_sign_out_are_logged(client, user, security_log):
    submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    account_page = client.get("/account").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_token_from(account_page)})
    assert {"sign_in_succeeded", "signed_out"} <= set(_events(security_log()))


def test_the_app_writes_the_security_log_as_json_lines(app):
    handlers = logging.getLogger(LOGGER_NAME).handlers
    assert any(isinstance(handler.formatter, JsonFormatter) for handler in handlers)


def test_the_live_server_keeps_an_access_log_without_tokens(live_server):
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(live_server.url + "/reset-password/SECRETTOKEN123")  # noqa: S310
    line = re.compile(r'"GET /reset-password/\[redacted\] HTTP/1.1" 404')
    deadline = time.monotonic() + 10
    # gunicorn writes the access line just after the response has gone.
    while not line.search(log := live_server.log_path.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert re.search(r'"GET /reset-password/\[redacted\] HTTP/1.1" 404', log), log[-2000:]
    assert "SECRETTOKEN123" not in log


def test_the_live_server_keeps_unsubscribe_tokens_out_of_the_access_log(live_server):
    for method in ("GET", "POST"):
        request = urllib.request.Request(
            live_server.url + "/unsubscribe/UNSUBSCRIBETOKEN456?x=1", method=method
        )
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(request)  # noqa: S310
    line = re.compile(r'"POST /unsubscribe/\[redacted\]\?x=1 HTTP/1.1" 404')
    deadline = time.monotonic() + 10
    # gunicorn writes the access line just after the response has gone.
    while not line.search(log := live_server.log_path.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert line.search(log), log[-2000:]
    # Any answer (the live server is shared: earlier tests may have used up a limit).
    assert re.search(r'"GET /unsubscribe/\[redacted\]\?x=1 HTTP/1.1" \d{3}', log), log[-2000:]
    assert "UNSUBSCRIBETOKEN456" not in log


def _your_cpd_post_paths(app) -> list[tuple[str, str]]:
    """(rule, a path for it) for every route under /your-cpd that takes a POST."""
    values = {"form_type": "structured", "field": "title"}
    paths = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith("/your-cpd/") and "POST" in (rule.methods or ()):
                arguments = {name: values.get(name, 1) for name in rule.arguments}
                paths.append((rule.rule, url_for(rule.endpoint, **arguments)))
    return paths


def test_a_csrf_failure_on_every_your_cpd_form_is_logged(app, signed_in_client, security_log):
    paths = _your_cpd_post_paths(app)
    # The eleven CPD routes (their own CSRF handler keeps answers), the import, and the
    # refused form's "Sign in to save it" (app/cpd/refused.py).
    assert len(paths) == 13
    for rule, path in paths:
        before = len(security_log())
        response = signed_in_client.post(path, data={"title": "No token here"})
        assert response.status_code == 400, path
        events = [line for line in security_log()[before:] if line["event"] == "csrf_failed"]
        assert len(events) == 1, path
        assert events[0]["path"] == rule
        assert events[0]["user_id"] is not None
        assert "No token here" not in json.dumps(events)


def test_a_database_error_is_logged_without_its_parameters(
    app, signed_in_client, user, db, caplog, monkeypatch
):
    """A failing statement's message names its SQL; its values (an address, a name,
    session JSON, CPD text) stay out of the traceback the app logs."""
    from sqlalchemy import text

    from app.account import services

    def failing_change(*, db, user, full_name):
        # The unique address: an IntegrityError whose parameters are the person's.
        db.execute(
            text("INSERT INTO user_account (email, full_name) VALUES (:email, :name)"),
            {"email": user.email, "name": full_name},
        )

    monkeypatch.setattr(services, "change_name", failing_change)
    app.testing = False  # an exception becomes a 500 page and a logged traceback
    caplog.set_level(logging.ERROR)
    response = submit(signed_in_client, "/account/change-name", {"full_name": "Marigold Quince"})
    assert response.status_code == 500
    assert "IntegrityError" in caplog.text
    assert "INSERT INTO user_account" in caplog.text
    assert "Marigold Quince" not in caplog.text
    assert user.email not in caplog.text


def test_a_database_error_names_no_value_on_any_database(app, user):
    """SQLAlchemy's parameters are hidden, and PostgreSQL's own DETAIL line (the
    failing row, the duplicate key) and quoted values are left out; the error keeps its
    class, so code that catches an IntegrityError still does."""
    import traceback

    from sqlalchemy import text
    from sqlalchemy.exc import DataError, IntegrityError

    engine = app.extensions["db_engine"]
    statements = [
        (
            IntegrityError,
            "INSERT INTO user_account (email, full_name, password_hash, created_at,"
            " password_changed_at) VALUES (:email, :name, 'x', CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP)",
            {"email": user.email, "name": "Marigold Quince"},
        )
    ]
    if engine.dialect.name == "postgresql":
        statements.append((DataError, "SELECT CAST(:name AS integer)", {"name": "Marigold Quince"}))
    for kind, statement, values in statements:
        with engine.connect() as connection, pytest.raises(kind) as raised:
            connection.execute(text(statement), values)
        written = "".join(traceback.format_exception(raised.value))
        assert "Marigold Quince" not in written
        assert user.email not in written
