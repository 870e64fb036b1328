"""The account-change pages, audited as test_every_page.py audits every other page: axe
with JavaScript on and off, nothing sideways at 320 px, screenshots, the Nu HTML
Checker, and the page-weight budget for a first visit."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.steps import PASSWORD, create_account, unique_email
from tests.browser.test_every_page import (
    _get,
    _signed_in,
    _submit_empty,
    audit_visit,
)
from tests.browser.test_page_weight import BUDGET_BYTES, Recorder, _report, _transfer
from tests.support.servers import LiveServer


def _posted(page: Page, button: str) -> str:
    """Press ``button`` and return the HTML the server answered the post with."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "document"
    ) as posted:
        page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    return posted.value.text()


def _wrong_answer(path: str, label: str, typed: str, button: str) -> Callable[[Page, dict], str]:
    def visit(page: Page, _context: dict) -> str:
        page.goto(path)
        page.get_by_label(label).fill(typed)
        return _posted(page, button)

    return visit


def _changed_name(page: Page, _context: dict) -> str:
    """The account home with its success banner. The form is posted without navigating
    (a page reached by a redirect is not script-blocked, and reloading it would use
    the banner up), then the home page is opened."""
    form = page.goto("/account/change-name")
    assert form is not None
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text()).group(1)
    response = page.request.post(
        "/account/change-name",
        form={"csrf_token": token, "full_name": "Audit Person"},
        max_redirects=0,
    )
    assert response.status == 302, response.text()
    home = page.goto("/account")
    assert home is not None
    return home.text()


def _email_link_asked_for(page: Page, context: dict) -> str:
    """Check your email, after asking to move to a new address (never confirmed)."""
    new = unique_email("audit-new")
    page.goto("/account/change-email")
    page.get_by_label("New email address").fill(new)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url(re.compile(r"/check-your-email$"))
    context["new_email"] = new
    response = page.reload()
    assert response is not None
    return response.text()


def _confirm_email(page: Page, context: dict) -> str:
    _email_link_asked_for(page, context)
    message = context["smtp"].catcher.wait_for(context["new_email"], "/account/confirm-email/")
    link = re.search(
        r"https?://\S+/account/confirm-email/\S+", message.get_payload(decode=True).decode()
    ).group(0)
    response = page.goto(link)
    assert response is not None
    return response.text()


PAGES: dict[str, Callable[[Page, dict], str]] = {
    "account-name-changed": _signed_in(_changed_name),
    "change-name": _signed_in(_get("/account/change-name")),
    "change-name-errors": _signed_in(
        _wrong_answer("/account/change-name", "Full name", "", "Save your name")
    ),
    "change-registration-number": _signed_in(_get("/account/change-registration-number")),
    "change-registration-number-errors": _signed_in(
        _wrong_answer(
            "/account/change-registration-number",
            "Registration number (optional)",
            "12-AB",
            "Save your registration number",
        )
    ),
    "change-email": _signed_in(_get("/account/change-email")),
    "change-email-errors": _signed_in(_submit_empty("/account/change-email", "Send the link")),
    "email-check-your-email": _signed_in(_email_link_asked_for),
    "confirm-email": _signed_in(_confirm_email),
    "email-link-expired": _get("/account/confirm-email/no-such-token"),
    "delete-account": _signed_in(_get("/account/delete")),
    "delete-account-errors": _signed_in(_submit_empty("/account/delete", "Delete your account")),
    "account-deleted": _get("/account/deleted"),
    "two-step-set-up": _signed_in(_get("/account/two-step-sign-in/set-up")),
}


@pytest.fixture(scope="module")
def audit_account(browser: Browser, live_server: LiveServer) -> str:
    email = unique_email("audit-account")
    context = browser.new_context(base_url=live_server.url)
    create_account(context.new_page(), email)
    context.close()
    return email


@pytest.mark.parametrize("mode", ["javascript", "no-javascript"])
@pytest.mark.parametrize("name", list(PAGES))
def test_account_change_page_is_accessible_fits_320_pixels_and_is_valid_html(
    name: str, mode: str, browser: Browser, live_server: LiveServer, audit_values: dict
):
    audit_visit(
        browser,
        live_server,
        PAGES[name],
        name=name,
        mode=mode,
        values=audit_values,
        html_folder="account-change-pages",
    )


@pytest.mark.parametrize("path", ["/account/change-email", "/account/delete"])
def test_the_heaviest_account_pages_fit_the_page_weight_budget(
    path: str, browser: Browser, live_server: LiveServer, audit_session: list, capsys
):
    """A first visit with an empty cache, scripts and all, within the 60 KB budget."""
    context = browser.new_context(
        base_url=live_server.url, storage_state={"cookies": audit_session, "origins": []}
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        recorder = Recorder(context)
        page.goto(path)
        page.get_by_label("Your password").focus()  # app.mjs loads more on first focus
        recorder._wait_until_quiet(page)
        transfers = [t for t in map(_transfer, recorder.finished) if t is not None]
    finally:
        context.close()
    report = _report(f"First visit to {path} (empty cache)", transfers)
    with capsys.disabled():
        print(f"\n{report}")
    assert {"HTML", "CSS"} <= {t.kind for t in transfers if t.bytes}, report
    assert sum(t.bytes for t in transfers) <= BUDGET_BYTES, report
