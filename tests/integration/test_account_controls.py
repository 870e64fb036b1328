"""Account controls (ASVS 5.0 6.2.2, 6.2.3, 6.3.7, 7.4.x, 7.5.x): change the password
with the current one, hear about it by email, see signed-in devices and sign out the
others."""

import pytest
from sqlmodel import select

from app.auth.models import User, UserSession
from tests.conftest import PASSWORD, csrf_token_from, submit

pytestmark = pytest.mark.db

NEW = "a quieter evening lamp"


def _change(client, current, new=NEW, confirmation=None):
    return submit(
        client,
        "/account/change-password",
        {
            "current_password": current,
            "password": new,
            "password_confirmation": confirmation or new,
        },
    )


def test_the_account_home_links_to_the_controls(signed_in_client):
    page = signed_in_client.get("/account").get_data(as_text=True)
    assert 'href="/account/change-password"' in page
    assert 'href="/account/devices"' in page


def test_a_wrong_current_password_changes_nothing(signed_in_client, user, db):
    response = _change(signed_in_client, "not my password at all")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Change your password" in page
    assert "Your current password is not correct" in page
    db.expire_all()
    assert db.get(User, user.id).password_hash == user.password_hash


def test_the_new_password_follows_the_same_rules(signed_in_client):
    page = _change(signed_in_client, PASSWORD, "1111111111111").get_data(as_text=True)
    assert "Password is too common and easy to guess" in page


def test_changing_the_password_keeps_this_device_signs_out_others_and_emails_the_owner(
    app, signed_in_client, user, caplog
):
    caplog.set_level("INFO")
    other_device = app.test_client()
    submit(other_device, "/sign-in", {"email": user.email, "password": PASSWORD})
    response = _change(signed_in_client, PASSWORD)
    assert response.status_code == 302
    followed = signed_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your password has been changed" in followed
    assert other_device.get("/account").status_code == 302
    assert "to alex@example.com: Your Record CPD password has been changed" in caplog.text
    assert NEW not in caplog.text
    fresh = app.test_client()
    assert submit(fresh, "/sign-in", {"email": user.email, "password": NEW}).status_code == 302


def test_a_password_reset_also_emails_the_owner(client, user, caplog):
    import re

    caplog.set_level("INFO")
    submit(client, "/forgot-password", {"email": user.email})
    link = re.search(r"http://localhost(/reset-password/\S+)", caplog.text).group(1)
    submit(client, link, {"password": NEW, "password_confirmation": NEW})
    assert "Your Record CPD password has been changed" in caplog.text


def test_the_devices_page_lists_each_signed_in_browser(app, signed_in_client, user):
    phone = app.test_client()
    submit(
        phone,
        "/sign-in",
        {"email": user.email, "password": PASSWORD},
        headers={"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1"},
    )
    page = signed_in_client.get("/account/devices").get_data(as_text=True)
    assert page.count('class="govuk-summary-card"') == 2
    assert "(this device)" in page
    assert "Safari on iPhone" in page


def test_signing_out_everywhere_else_keeps_only_this_device(app, signed_in_client, user, db):
    phone = app.test_client()
    submit(phone, "/sign-in", {"email": user.email, "password": PASSWORD})
    page = signed_in_client.get("/account/devices").get_data(as_text=True)
    response = signed_in_client.post(
        "/account/devices/sign-out-others",
        data={"csrf_token": csrf_token_from(page), "password": PASSWORD},
        follow_redirects=True,
    )
    assert "You have signed out on every other device" in response.get_data(as_text=True)
    assert phone.get("/account").status_code == 302
    assert signed_in_client.get("/account").status_code == 200
    active = db.exec(select(UserSession).where(UserSession.revoked_at == None)).all()  # noqa: E711
    assert len(active) == 1


def test_signing_out_elsewhere_asks_for_the_password_again(app, signed_in_client, user):
    phone = app.test_client()
    submit(phone, "/sign-in", {"email": user.email, "password": PASSWORD})
    page = signed_in_client.get("/account/devices").get_data(as_text=True)
    response = signed_in_client.post(
        "/account/devices/sign-out-others",
        data={"csrf_token": csrf_token_from(page), "password": "not my password at all"},
    )
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    assert "<title>Error: Signed-in devices" in shown
    assert "Your password is not correct" in shown
    assert phone.get("/account").status_code == 200


def test_guessing_the_current_password_is_rate_limited(app, signed_in_client):
    app.config["SIGN_IN_LIMIT_PER_DEVICE"] = "2 per 15 minutes"
    for _ in range(2):
        assert _change(signed_in_client, "a wrong guess here").status_code == 200
    assert _change(signed_in_client, "a wrong guess here").status_code == 429


def test_forms_sent_without_a_password_are_not_counted_as_guesses(signed_in_client, user) -> None:
    """A form posted with its password box empty guesses nothing: a dozen of them (more
    than the 10 in 15 minutes allowed) must not lock the person out of their account
    pages, and the right password still works after them."""
    from tests.conftest import PASSWORD, csrf_token_from

    for _ in range(12):
        page = signed_in_client.get("/account/change-email").get_data(as_text=True)
        response = signed_in_client.post(
            "/account/change-email",
            data={"csrf_token": csrf_token_from(page), "email": "new@example.com", "password": ""},
        )
        assert "Enter your password" in response.get_data(as_text=True)
    page = signed_in_client.get("/account/change-email").get_data(as_text=True)
    response = signed_in_client.post(
        "/account/change-email",
        data={
            "csrf_token": csrf_token_from(page),
            "email": "new@example.com",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
