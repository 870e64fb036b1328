import re

import pytest
from sqlmodel import select

from app.auth.models import PasswordReset, User, UserSession
from tests.conftest import PASSWORD, csrf_token_from, submit

pytestmark = pytest.mark.db

NEW_ACCOUNT = {
    "full_name": "Sam Registrant",
    "email": "Sam.Registrant@Example.com ",
    "registration_number": "sw 654321",
    "password": "tangerine ladder wobble",
    "password_confirmation": "tangerine ladder wobble",
}


def test_creating_an_account_signs_the_person_in_and_lands_on_the_account_home(client, db, caplog):
    caplog.set_level("INFO")
    submit(client, "/create-account", NEW_ACCOUNT)
    link = re.search(r"http://localhost(/create-account/confirm/\S+)", caplog.text).group(1)
    response = submit(client, link, {}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your online account has been created" in page
    assert '<h1 class="govuk-heading-l">Your account</h1>' in page
    assert 'href="/your-cpd"' in page
    user = db.exec(select(User)).one()
    assert user.email == "sam.registrant@example.com"
    assert user.registration_number == "SW654321"
    assert user.password_hash.startswith("scrypt:")


def test_an_empty_account_form_shows_every_error_and_keeps_what_was_typed(client):
    response = submit(client, "/create-account", {"full_name": "Sam", "email": "not-an-email"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Create an online account – Record CPD</title>" in page
    for message in [
        "Enter an email address in the correct format, like name@example.com",
        "Enter a password",
        "Enter your password again to confirm it",
    ]:
        assert page.count(message) == 2, message  # in the summary and inline
    assert 'value="Sam"' in page
    assert 'value="not-an-email"' in page


def test_passwords_are_never_sent_back_into_the_page(client):
    response = submit(
        client, "/create-account", {**NEW_ACCOUNT, "password_confirmation": "different"}
    )
    page = response.get_data(as_text=True)
    assert "Passwords must match" in page
    assert NEW_ACCOUNT["password"] not in page


def test_a_common_password_is_refused(client):
    response = submit(
        client,
        "/create-account",
        {**NEW_ACCOUNT, "password": "password123456", "password_confirmation": "password123456"},
    )
    assert "Password is too common and easy to guess" in response.get_data(as_text=True)


def test_a_badly_formed_registration_number_is_explained(client):
    response = submit(client, "/create-account", {**NEW_ACCOUNT, "registration_number": "12-34"})
    assert (
        "Enter your registration number in the correct format, like SW123456"
        in response.get_data(as_text=True)
    )


def test_sign_in_failures_get_one_message_whatever_was_wrong(client, user):
    wrong_password = submit(
        client, "/sign-in", {"email": user.email, "password": "not the password"}
    )
    no_account = submit(client, "/sign-in", {"email": "nobody@example.com", "password": PASSWORD})
    for response in (wrong_password, no_account):
        assert response.status_code == 200
        assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_sign_in_goes_back_to_the_page_that_asked_for_it(client, user):
    assert client.get("/your-cpd").headers["Location"].startswith("/sign-in?next=")
    page = client.get("/sign-in?next=/your-cpd").get_data(as_text=True)
    response = client.post(
        "/sign-in?next=/your-cpd",
        data={"csrf_token": csrf_token_from(page), "email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/your-cpd"


def test_sign_in_never_redirects_to_another_site(client, user):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        page = client.get("/sign-in").get_data(as_text=True)
        response = client.post(
            f"/sign-in?next={target}",
            data={"csrf_token": csrf_token_from(page), "email": user.email, "password": PASSWORD},
        )
        assert response.headers["Location"] == "/account"
        client.post(
            "/sign-out",
            data={"csrf_token": csrf_token_from(client.get("/account").get_data(as_text=True))},
        )


def test_each_sign_in_starts_a_new_server_side_session(client, user, db):
    for _ in range(2):
        submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
        client.post(
            "/sign-out",
            data={"csrf_token": csrf_token_from(client.get("/account").get_data(as_text=True))},
        )
    sessions = db.exec(select(UserSession)).all()
    assert len(sessions) == 2
    assert len({s.token_hash for s in sessions}) == 2
    assert all(s.revoked_at is not None for s in sessions)


def test_a_cookie_replayed_after_sign_out_is_refused(app, signed_in_client):
    cookie = signed_in_client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert signed_in_client.get("/your-cpd").status_code == 200
    account_page = signed_in_client.get("/account").get_data(as_text=True)
    signed_in_client.post("/sign-out", data={"csrf_token": csrf_token_from(account_page)})

    attacker = app.test_client()
    attacker.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
    response = attacker.get("/your-cpd")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_out_needs_a_post_with_a_csrf_token(signed_in_client):
    assert signed_in_client.get("/sign-out").status_code == 405
    refused = signed_in_client.post("/sign-out")
    assert refused.status_code == 400
    assert signed_in_client.get("/your-cpd").status_code == 200


def test_password_reset_by_an_emailed_single_use_link(app, client, user, db, caplog):
    caplog.set_level("INFO")
    response = submit(
        client, "/forgot-password", {"email": "ALEX@example.com"}, follow_redirects=True
    )
    assert "Check your email" in response.get_data(as_text=True)
    link = re.search(r"http://localhost(/reset-password/\S+)", caplog.text).group(1)

    form_page = client.get(link)
    assert form_page.status_code == 200
    response = client.post(
        link,
        data={
            "csrf_token": csrf_token_from(form_page.get_data(as_text=True)),
            "password": "a brand new passphrase",
            "password_confirmation": "a brand new passphrase",
        },
        follow_redirects=True,
    )
    assert "Your password has been changed" in response.get_data(as_text=True)
    assert client.get(link).status_code == 404  # used once, never again
    signed_in = submit(
        client, "/sign-in", {"email": user.email, "password": "a brand new passphrase"}
    )
    assert signed_in.headers["Location"] == "/account"


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, caplog):
    caplog.set_level("INFO")
    response = submit(
        client, "/forgot-password", {"email": "nobody@example.com"}, follow_redirects=True
    )
    assert "Check your email" in response.get_data(as_text=True)
    assert "reset-password" not in caplog.text


def test_an_expired_reset_link_is_refused(client, user, db, caplog):
    caplog.set_level("INFO")
    submit(client, "/forgot-password", {"email": user.email})
    link = re.search(r"http://localhost(/reset-password/\S+)", caplog.text).group(1)
    reset = db.exec(select(PasswordReset)).one()
    reset.expires_at = reset.created_at
    db.add(reset)
    db.commit()
    response = client.get(link)
    assert response.status_code == 404
    assert "This link has expired" in response.get_data(as_text=True)


def test_only_the_newest_reset_link_works(client, user, caplog):
    caplog.set_level("INFO")
    submit(client, "/forgot-password", {"email": user.email})
    submit(client, "/forgot-password", {"email": user.email})
    first, second = re.findall(r"http://localhost(/reset-password/\S+)", caplog.text)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_resetting_the_password_signs_out_every_other_session(app, signed_in_client, user, caplog):
    caplog.set_level("INFO")
    other_device = app.test_client()
    submit(other_device, "/forgot-password", {"email": user.email})
    link = re.search(r"http://localhost(/reset-password/\S+)", caplog.text).group(1)
    page = other_device.get(link).get_data(as_text=True)
    other_device.post(
        link,
        data={
            "csrf_token": csrf_token_from(page),
            "password": "a brand new passphrase",
            "password_confirmation": "a brand new passphrase",
        },
    )
    assert signed_in_client.get("/your-cpd").status_code == 302
