import pytest
from flask import Flask

from app.mail import send_mail


def test_mail_is_sent_through_a_real_smtp_server_when_configured(app: Flask, smtp_server):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        send_mail(to="reader@example.com", subject="Hello", body="A line of text")
    message = smtp_server.catcher.wait_for("reader@example.com")
    assert message["Subject"] == "Hello"
    assert "A line of text" in message.get_payload(decode=True).decode()


def test_the_default_backend_writes_mail_to_the_log(app: Flask, caplog):
    caplog.set_level("INFO")
    with app.app_context():
        send_mail(to="reader@example.com", subject="Logged", body="Only in the log")
    assert "Only in the log" in caplog.text


def test_an_unknown_backend_is_an_error(app: Flask):
    app.config["MAIL_BACKEND"] = "pigeon"
    with app.app_context(), pytest.raises(RuntimeError, match="pigeon"):
        send_mail(to="reader@example.com", subject="x", body="y")


def test_a_local_run_shows_logged_mail_on_standard_error(app: Flask, capfd):
    """`make run` has no mail server: the confirmation link must reach the terminal,
    or nobody can confirm an account locally. (caplog would hide a level too high.)"""
    with app.app_context():
        send_mail(to="reader@example.com", subject="Logged", body="Confirm: http://x/confirm")
    assert "Confirm: http://x/confirm" in capfd.readouterr().err
