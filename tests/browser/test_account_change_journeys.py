"""Account changes in Chromium, each journey with JavaScript and without: name and
registration number, email address (confirmed from the new address), deleting the
account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.browser.conftest import assert_mode
from tests.browser.steps import PASSWORD, create_account, sign_in, sign_out, unique_email
from tests.support.servers import LiveServer, SmtpServer

pytestmark = pytest.mark.db


def _details(page: Page):
    return page.locator(".govuk-summary-list")


def test_a_registrant_changes_their_name_and_registration_number(journey: Page, mode: str):
    create_account(journey, unique_email("rename"))
    assert_mode(journey, mode)

    journey.get_by_role("link", name="Change name").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Change your name")
    expect(journey.get_by_label("Full name")).to_have_value("Robin Registrant")
    journey.get_by_label("Full name").fill("")
    journey.get_by_role("button", name="Save your name").click()
    expect(journey).to_have_title(re.compile("^Error: Change your name"))
    journey.get_by_role("alert").get_by_role("link", name="Enter your full name").click()
    expect(journey.get_by_label("Full name")).to_be_focused()
    journey.get_by_label("Full name").fill("Robin Renamed")
    journey.get_by_role("button", name="Save your name").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(journey.get_by_text("Your name has been changed")).to_be_visible()
    expect(_details(journey)).to_contain_text("Robin Renamed")

    journey.get_by_role("link", name="Change registration number").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Change your registration number")
    expect(journey.get_by_label("Registration number (optional)")).to_have_value("SW100200")
    journey.get_by_label("Registration number (optional)").fill("12-AB")
    journey.get_by_role("button", name="Save your registration number").click()
    expect(journey).to_have_title(re.compile("^Error: Change your registration number"))
    expect(journey.get_by_role("alert")).to_contain_text("in the correct format, like SW123456")
    journey.get_by_label("Registration number (optional)").fill("sw 424242")
    journey.get_by_role("button", name="Save your registration number").click()
    expect(journey.get_by_text("Your registration number has been changed")).to_be_visible()
    expect(_details(journey)).to_contain_text("SW424242")


def test_a_registrant_moves_their_account_to_a_new_address_confirmed_from_it(
    journey: Page, mode: str, smtp_server: SmtpServer
):
    old, new = unique_email("old"), unique_email("new")
    create_account(journey, old)
    assert_mode(journey, mode)

    journey.get_by_role("link", name="Change email address").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Change your email address")
    journey.get_by_label("New email address").fill(new)
    journey.get_by_label("Your password").fill("not my password")
    journey.get_by_role("button", name="Send the link").click()
    expect(journey).to_have_title(re.compile("^Error: Change your email address"))
    expect(journey.get_by_role("alert")).to_contain_text("Your password is not correct")

    journey.get_by_label("New email address").fill(new)
    journey.get_by_label("Your password").fill(PASSWORD)
    journey.get_by_role("button", name="Send the link").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(journey.get_by_text(new)).to_be_visible()

    message = smtp_server.catcher.wait_for(new, "/account/confirm-email/")
    body = message.get_payload(decode=True).decode()
    link = re.search(r"http://\S+/account/confirm-email/\S+", body).group(0)
    journey.goto(link)
    expect(journey.get_by_role("heading", level=1)).to_have_text("Confirm your new email address")
    journey.get_by_role("button", name="Use this email address").click()
    expect(journey.get_by_text("Your email address has been changed")).to_be_visible()
    expect(_details(journey)).to_contain_text(new)

    notice = smtp_server.catcher.wait_for(old, "account has been changed")
    assert "/account/confirm-email/" not in notice.get_payload(decode=True).decode()

    sign_out(journey)
    sign_in(journey, old)
    expect(journey.get_by_role("heading", level=1)).to_have_text("Sign in")
    sign_in(journey, new)
    expect(journey.get_by_role("heading", level=1)).to_have_text("Your account")

    journey.goto(link)
    expect(journey.get_by_role("heading", level=1)).to_have_text("This link has expired")


def _rows_for(database_url: str, email: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT count(*) FROM user_account WHERE email = :email"), {"email": email}
            ).scalar_one()
    finally:
        engine.dispose()


def test_a_registrant_deletes_their_account_after_being_offered_the_download(
    journey: Page, mode: str, live_server: LiveServer
):
    email = unique_email("leaving")
    create_account(journey, email)
    assert_mode(journey, mode)

    journey.get_by_role("link", name="Delete your account").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Delete your account")
    with journey.expect_download() as download:
        journey.get_by_role("link", name="Download all your CPD").click()
    assert download.value.suggested_filename.endswith(".zip")

    journey.get_by_role("button", name="Delete your account").click()
    expect(journey).to_have_title(re.compile("^Error: Delete your account"))
    summary = journey.get_by_role("alert")
    expect(summary).to_contain_text("Enter your password")
    summary.get_by_role(
        "link", name="Confirm that you want to delete your account and all your CPD"
    ).click()
    confirm = journey.get_by_label("I understand that my account and all my CPD will be deleted")
    expect(confirm).to_be_focused()
    assert _rows_for(live_server.database_url, email) == 1

    journey.get_by_label("Your password").fill(PASSWORD)
    confirm.check()
    journey.get_by_role("button", name="Delete your account").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Your account has been deleted")
    assert _rows_for(live_server.database_url, email) == 0

    journey.goto("/account")
    expect(journey.get_by_role("heading", level=1)).to_have_text("Sign in")
    sign_in(journey, email)
    expect(journey.get_by_text("Enter a correct email address and password").first).to_be_visible()
