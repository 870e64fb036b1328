"""Account journeys in Chromium, each run with JavaScript and without."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_mode, open_page
from tests.browser.steps import (
    PASSWORD,
    create_account,
    sign_in,
    sign_out,
    sign_up,
    unique_email,
)

pytestmark = pytest.mark.db


def test_a_new_registrant_creates_an_account_reaches_your_cpd_and_signs_out(
    journey: Page, mode: str, browser, live_server
):
    email = unique_email("journey")
    journey.goto("/")
    assert_mode(journey, mode)
    # The one journey (per mode) that signs up as a person does; others make the
    # account in the database (steps.create_account).
    sign_up(journey, email)
    expect(journey.get_by_text("Your online account has been created")).to_be_visible()

    journey.get_by_role("link", name="Your CPD").first.click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Your CPD")
    cookies_while_signed_in = journey.context.cookies()

    sign_out(journey)
    journey.goto("/your-cpd")
    expect(journey.get_by_role("heading", level=1)).to_have_text("Sign in")

    # Someone who copied the cookie before sign-out gets nothing from it.
    thief = open_page(browser, live_server, mode)
    thief.context.add_cookies(cookies_while_signed_in)
    thief.goto("/your-cpd")
    expect(thief.get_by_role("heading", level=1)).to_have_text("Sign in")
    thief.context.close()

    sign_in(journey, email)
    expect(journey.get_by_role("heading", level=1)).to_have_text("Your account")
    journey.get_by_role("link", name="Your CPD").first.click()
    expect(journey).to_have_url(re.compile(r"/your-cpd$"))


def test_sign_in_mistakes_are_listed_and_linked_to_the_field(journey: Page, mode: str):
    journey.goto("/sign-in")
    assert_mode(journey, mode)
    journey.get_by_role("button", name="Sign in").click()
    expect(journey).to_have_title("Error: Sign in – Record CPD")
    summary = journey.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link", name="Enter your email address").click()
    expect(journey.get_by_label("Email address")).to_be_focused()


def test_a_forgotten_password_is_reset_by_the_emailed_link(journey: Page, mode: str, smtp_server):
    email = unique_email("reset")
    create_account(journey, email)
    sign_out(journey)

    journey.goto("/sign-in")
    journey.get_by_role("link", name="I have forgotten my password").click()
    journey.get_by_label("What is the email address for your account?").fill(email)
    journey.get_by_role("button", name="Send the link").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Check your email")

    message = smtp_server.catcher.wait_for(email, "/reset-password/")
    link = re.search(
        r"https?://\S+/reset-password/\S+", message.get_payload(decode=True).decode()
    ).group(0)
    journey.goto(link)
    journey.get_by_label("Create a new password").fill("a fresh longer phrase")
    journey.get_by_label("Confirm your new password").fill("a fresh longer phrase")
    journey.get_by_role("button", name="Change password").click()
    expect(journey.get_by_text("Your password has been changed")).to_be_visible()

    sign_in(journey, email, PASSWORD)
    expect(journey.get_by_text("Enter a correct email address and password").first).to_be_visible()
    sign_in(journey, email, "a fresh longer phrase")
    expect(journey.get_by_role("heading", level=1)).to_have_text("Your account")

    journey.goto(link)
    expect(journey.get_by_role("heading", level=1)).to_have_text("This link has expired")


# On PostgreSQL too: the live server keeps its sign-in limits in its own database
# (app/ratelimit_storage.py), so this is the rate-limit table on PostgreSQL.
@pytest.mark.postgres_journey
def test_repeated_wrong_passwords_are_answered_politely(journey: Page, mode: str):
    email = unique_email("limited")
    create_account(journey, email)
    sign_out(journey)
    for _ in range(5):  # the live server allows 5 failures per account
        sign_in(journey, email, "not my password at all")
        expect(journey.get_by_role("heading", level=1)).to_have_text("Sign in")
    sign_in(journey, email, "not my password at all")
    expect(journey.get_by_role("heading", level=1)).to_have_text("You have tried too many times")
    expect(journey.get_by_role("link", name="reset your password")).to_be_visible()


def test_gov_uk_frontend_components_start_with_javascript_and_the_page_works_without(
    journey: Page, mode: str
):
    """Our bundle of GOV.UK Frontend holds only the components we use: prove they start."""
    journey.goto("/sign-in")
    assert_mode(journey, mode)
    # PasswordInput adds its show/hide button; without JavaScript there is none.
    expect(journey.get_by_role("button", name="Show password")).to_have_count(
        1 if mode == "javascript" else 0
    )
    journey.get_by_role("button", name="Sign in").click()
    summary = journey.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    if mode == "javascript":
        # ErrorSummary moves the focus to itself (the box around the alert), so screen
        # readers read it out first.
        expect(journey.locator("[data-module=govuk-error-summary]")).to_be_focused()
        journey.get_by_role("button", name="Show password").click()
        expect(journey.get_by_label("Password", exact=True)).to_have_attribute("type", "text")


def test_a_registrant_changes_their_password_and_sees_their_devices(
    journey: Page, mode: str, smtp_server
):
    email = unique_email("change")
    create_account(journey, email)
    journey.get_by_role("link", name="Change your password").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Change your password")
    journey.get_by_label("Current password").fill("not the password")
    journey.get_by_label("Create a new password").fill("a calmer river stone")
    journey.get_by_label("Confirm your new password").fill("a calmer river stone")
    journey.get_by_role("button", name="Change password").click()
    expect(journey).to_have_title(re.compile("^Error: Change your password"))
    summary = journey.get_by_role("alert")
    summary.get_by_role("link", name="Your current password is not correct").click()
    expect(journey.get_by_label("Current password")).to_be_focused()

    journey.get_by_label("Current password").fill(PASSWORD)
    journey.get_by_label("Create a new password").fill("a calmer river stone")
    journey.get_by_label("Confirm your new password").fill("a calmer river stone")
    journey.get_by_role("button", name="Change password").click()
    expect(journey.get_by_text("Your password has been changed")).to_be_visible()
    # The notice is sent after the page has answered: wait for it, not for any email.
    deadline = time.monotonic() + 10
    while not any(
        "password has been changed" in (m["Subject"] or "") and email in (m["To"] or "")
        for m in smtp_server.catcher.messages
    ):
        assert time.monotonic() < deadline, "no password-changed email arrived"
        time.sleep(0.1)

    journey.get_by_role("link", name="Signed-in devices").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Signed-in devices")
    expect(journey.get_by_text("(this device)")).to_be_visible()
