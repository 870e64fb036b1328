"""Account changes (issue 14 item 4): name, registration number and email address.

Emails are read from the log (MAIL_BACKEND=log, sent at once in tests)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import select

from app.account.models import PendingEmailChange
from app.auth import services as auth_services
from app.auth.models import User
from tests.conftest import PASSWORD, submit

pytestmark = pytest.mark.db

NEW_EMAIL = "alex.new@example.com"


def _emails_to(caplog, address: str) -> list[str]:
    """The subject and body of each email logged to ``address``."""
    return [
        record.getMessage().split(": ", 1)[1]
        for record in caplog.records
        if record.getMessage().startswith(f"Email (not sent, MAIL_BACKEND=log) to {address}:")
    ]


def _link(caplog, address: str) -> str:
    found = re.search(
        r"http://localhost(/account/confirm-email/\S+)", "".join(_emails_to(caplog, address))
    )
    assert found, f"no confirmation link was emailed to {address}"
    return found.group(1)


def _reload(db, user) -> User:
    db.expire_all()
    reloaded = db.get(User, user.id)
    assert reloaded is not None
    return reloaded


# Name and registration number


def test_the_account_home_links_to_every_change(signed_in_client):
    page = signed_in_client.get("/account").get_data(as_text=True)
    for path in (
        "/account/change-name",
        "/account/change-registration-number",
        "/account/change-email",
        "/account/delete",
    ):
        assert f'href="{path}"' in page


def test_a_registrant_changes_their_name(signed_in_client, user, db):
    page = signed_in_client.get("/account/change-name").get_data(as_text=True)
    assert 'value="Alex Example"' in page
    response = submit(signed_in_client, "/account/change-name", {"full_name": "  Alex Newname "})
    assert response.status_code == 302
    home = signed_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your name has been changed" in home
    assert "govuk-notification-banner--success" in home
    assert _reload(db, user).full_name == "Alex Newname"


@pytest.mark.parametrize(
    ("typed", "error"),
    [("", "Enter your full name"), ("   ", "Enter your full name"), ("x" * 201, "200 characters")],
)
def test_a_name_that_cannot_be_kept_is_explained(signed_in_client, user, db, typed, error):
    response = submit(signed_in_client, "/account/change-name", {"full_name": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert error in page
    assert _reload(db, user).full_name == "Alex Example"


def test_a_registrant_changes_their_registration_number_as_sign_up_normalises_it(
    signed_in_client, user, db
):
    response = submit(
        signed_in_client, "/account/change-registration-number", {"registration_number": "sw 98765"}
    )
    assert response.status_code == 302
    home = signed_in_client.get("/account").get_data(as_text=True)
    assert "Your registration number has been changed" in home
    assert _reload(db, user).registration_number == "SW98765"


def test_a_badly_formed_registration_number_is_refused_with_the_sign_up_message(
    signed_in_client, user, db
):
    response = submit(
        signed_in_client, "/account/change-registration-number", {"registration_number": "12-AB"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter your registration number in the correct format, like SW123456" in page
    assert _reload(db, user).registration_number == "SW123456"


def test_the_registration_number_can_be_removed_as_it_was_optional_at_sign_up(
    signed_in_client, user, db
):
    response = submit(
        signed_in_client, "/account/change-registration-number", {"registration_number": " "}
    )
    assert response.status_code == 302
    assert _reload(db, user).registration_number is None
    assert "Not given" in signed_in_client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/account/change-name",
        "/account/change-registration-number",
        "/account/change-email",
        "/account/delete",
    ],
)
def test_every_change_needs_a_signed_in_person(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


# Email address


def _ask_for(client, email=NEW_EMAIL, password=PASSWORD):
    return submit(client, "/account/change-email", {"email": email, "password": password})


def test_a_new_address_changes_only_once_confirmed_from_it_and_the_old_one_is_told(
    app, signed_in_client, user, db, caplog
):
    caplog.set_level("INFO")
    response = _ask_for(signed_in_client, "Alex.New@Example.com ")
    assert response.status_code == 302
    page = signed_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your email" in page
    assert "alex.new@example.com" in page
    assert _reload(db, user).email == "alex@example.com"  # not yet
    assert _emails_to(caplog, "alex@example.com") == []

    link = _link(caplog, NEW_EMAIL)
    # Opening the link changes nothing (mail scanners follow links); the button does.
    confirm_page = signed_in_client.get(link)
    assert confirm_page.status_code == 200
    assert _reload(db, user).email == "alex@example.com"
    confirmed = submit(signed_in_client, link, {})
    assert confirmed.status_code == 302
    home = signed_in_client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "Your email address has been changed" in home
    assert _reload(db, user).email == NEW_EMAIL

    notices = _emails_to(caplog, "alex@example.com")
    assert len(notices) == 1
    assert "email address" in notices[0]
    assert "If you did not" in notices[0]
    assert app.extensions["policy"].help_phone in notices[0]

    # The link works once, and the new address signs in; the old one no longer does.
    assert signed_in_client.get(link).status_code == 404
    fresh = app.test_client()
    assert submit(fresh, "/sign-in", {"email": NEW_EMAIL, "password": PASSWORD}).status_code == 302
    other = app.test_client()
    old = {"email": "alex@example.com", "password": PASSWORD}
    assert submit(other, "/sign-in", old).status_code == 200


def test_the_link_can_be_confirmed_in_another_browser(app, signed_in_client, user, db, caplog):
    caplog.set_level("INFO")
    _ask_for(signed_in_client)
    phone = app.test_client()
    confirmed = submit(phone, _link(caplog, NEW_EMAIL), {})
    assert confirmed.status_code == 302
    assert "/sign-in" in confirmed.headers["Location"]
    assert _reload(db, user).email == NEW_EMAIL


def test_a_wrong_password_changes_nothing_and_sends_nothing(signed_in_client, caplog):
    caplog.set_level("INFO")
    response = _ask_for(signed_in_client, password="not my password at all")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "Your password is not correct" in page
    assert _emails_to(caplog, NEW_EMAIL) == []


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter your new email address"),
        ("not-an-address", "Enter an email address in the correct format"),
        ("ALEX@example.com", "Enter an email address different from the one you use now"),
    ],
)
def test_a_new_address_that_cannot_be_used_is_explained(signed_in_client, typed, error):
    page = _ask_for(signed_in_client, typed).get_data(as_text=True)
    assert error in page


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_is_told(
    signed_in_client, other_client, user, db, caplog
):
    caplog.set_level("INFO")
    response = _ask_for(signed_in_client, "sam@example.com")
    assert response.status_code == 302
    page = signed_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your email" in page
    emails = _emails_to(caplog, "sam@example.com")
    assert len(emails) == 1
    assert "/account/confirm-email/" not in emails[0]
    assert "already" in emails[0]
    assert db.exec(select(PendingEmailChange)).all() == []
    assert _reload(db, user).email == "alex@example.com"


def test_an_address_taken_between_asking_and_confirming_is_not_taken_over(
    app, signed_in_client, user, db, policy, caplog
):
    caplog.set_level("INFO")
    _ask_for(signed_in_client)
    link = _link(caplog, NEW_EMAIL)
    auth_services.create_account(
        db=db,
        policy=policy,
        full_name="Quick Taker",
        email=NEW_EMAIL,
        registration_number=None,
        password=PASSWORD,
    )
    response = submit(signed_in_client, link, {})
    assert response.status_code == 404
    assert _reload(db, user).email == "alex@example.com"


def test_only_the_newest_link_works_and_links_expire(signed_in_client, user, db, caplog):
    caplog.set_level("INFO")
    _ask_for(signed_in_client, "first@example.com")
    first = _link(caplog, "first@example.com")
    _ask_for(signed_in_client, "second@example.com")
    second = _link(caplog, "second@example.com")
    assert signed_in_client.get(first).status_code == 404
    for change in db.exec(select(PendingEmailChange)).all():
        change.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        db.add(change)
    db.commit()
    assert signed_in_client.get(second).status_code == 404
    assert _reload(db, user).email == "alex@example.com"


def test_confirming_twice_at_once_changes_the_address_once(app, signed_in_client, user, db, caplog):
    from app.account import services

    caplog.set_level("INFO")
    _ask_for(signed_in_client)
    token = _link(caplog, NEW_EMAIL).rsplit("/", 1)[1]
    with app.app_context():
        change = services.find_email_change(db=db, token=token)
        assert change is not None
        assert services.confirm_email_change(db=db, change=change) is not None
        assert services.confirm_email_change(db=db, change=change) is None


def test_asking_for_an_email_change_is_rate_limited_like_sign_in(app, signed_in_client):
    app.config["SIGN_IN_LIMIT_PER_DEVICE"] = "2 per 15 minutes"
    for _ in range(2):
        assert _ask_for(signed_in_client, password="a wrong guess here").status_code == 200
    assert _ask_for(signed_in_client, password="a wrong guess here").status_code == 429


def test_the_confirmation_token_is_kept_out_of_the_logs():
    from app.gunicorn_logging import redact

    line = '"GET /account/confirm-email/AbC-123_x?y=1 HTTP/1.1" 200'
    assert redact(line) == '"GET /account/confirm-email/[redacted]?y=1 HTTP/1.1" 200'
