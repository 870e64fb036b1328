"""Steps a person takes, written the way a screen reader finds things: role and label."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.support.accounts import make_account
from tests.support.servers import MailCatcher, database_of

PASSWORD = "sunlit orchard kettle"
# Set by tests/browser/conftest.py: where the live server's emails arrive.
MAILBOX: MailCatcher | None = None


def unique_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


def create_account(page: Page, email: str, *, name: str = "Robin Registrant") -> None:
    """A confirmed account for a journey that is not about signing up, signed in, on
    Your account: made in the live server's database (as confirming the emailed link
    makes it), then signed in through the sign-in form. sign_up is the whole journey."""
    page.goto("/sign-in")
    make_account(
        database_of(page.url),
        email,
        password=PASSWORD,
        full_name=name,
        registration_number="SW 100200",
    )
    _fill_sign_in(page, email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def sign_up(page: Page, email: str, *, name: str = "Robin Registrant") -> None:
    """Create an account as a person does: the form, the emailed link, the button."""
    page.goto("/")
    page.get_by_role("link", name="create an online account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an online account")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Registration number (optional)").fill("SW 100200")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert MAILBOX is not None
    body = MAILBOX.wait_for(email, "/create-account/confirm/").get_payload(decode=True).decode()
    page.goto(re.search(r"http://\S+/create-account/confirm/\S+", body).group(0))
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    _fill_sign_in(page, email, password)


def _fill_sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
