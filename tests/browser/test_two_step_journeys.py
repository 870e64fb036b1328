"""Two-step sign-in in Chromium, with JavaScript and without: set it up, sign out, sign
in with a code from the app, then with a recovery code, then turn it off. Then every
new page through axe, the Nu HTML Checker and a 320-pixel-wide window, as a browser
without JavaScript shows it; screenshots are kept for people to look at."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_mode
from tests.browser.steps import PASSWORD, create_account, sign_in, sign_out, unique_email
from tests.support.audit import (
    ARTIFACTS,
    axe_violations,
    block_page_scripts,
    ensure_scripts_blocked,
    horizontal_overflow,
    validate_html,
)
from tests.support.screenshots import keep_screenshot
from tests.support.servers import LiveServer

pytestmark = pytest.mark.db

CODE_LABEL = "Code from your authenticator app"


def _next_code(secret: str) -> str:
    """The next time step's code: accepted (one step either side), and newer than the
    one that confirmed the set-up, which may have been a moment ago."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def _set_up(page: Page) -> tuple[str, list[str]]:
    page.get_by_role("link", name="Two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
    expect(page.get_by_text("Two-step sign-in is off.", exact=True)).to_be_visible()
    page.get_by_role("button", name="Set up two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.get_by_label(CODE_LABEL).fill(pyotp.TOTP(secret).now())
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in is on")
    codes = page.get_by_role("list").filter(has_text="-").last.get_by_role("listitem")
    expect(codes).to_have_count(10)
    # Each item is "N. code" (numbered in the text, so a printout keeps "10.").
    return secret, [text.split()[-1] for text in codes.all_inner_texts()]


def test_a_registrant_sets_up_two_step_sign_in_uses_it_and_turns_it_off(journey: Page, mode: str):
    email = unique_email("two-step")
    create_account(journey, email)
    assert_mode(journey, mode)
    secret, codes = _set_up(journey)
    journey.get_by_role("link", name="I have kept my codes safe, back to your account").click()
    sign_out(journey)

    # The password alone is not enough.
    sign_in(journey, email)
    expect(journey.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    journey.goto("/your-cpd")
    expect(journey.get_by_role("heading", level=1)).to_have_text("Sign in")

    sign_in(journey, email)
    journey.get_by_role("button", name="Continue").click()
    expect(journey).to_have_title(re.compile("^Error: Enter the code from your authenticator app"))
    journey.get_by_role("alert").get_by_role(
        "link", name="Enter the 6-digit code from your authenticator app"
    ).click()
    code_box = journey.get_by_label("Enter the code from your authenticator app")
    expect(code_box).to_be_focused()
    expect(code_box).to_have_attribute("autocomplete", "one-time-code")
    expect(code_box).to_have_attribute("inputmode", "numeric")
    code_box.fill(_next_code(secret))
    journey.get_by_role("button", name="Continue").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Your account")
    sign_out(journey)

    sign_in(journey, email)
    journey.get_by_role("link", name="Use a recovery code instead").click()
    journey.get_by_label("Enter a recovery code").fill(codes[0].upper())
    journey.get_by_role("button", name="Continue").click()
    expect(journey.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(journey.get_by_text("You have 9 recovery codes left")).to_be_visible()

    journey.get_by_role("link", name="Two-step sign-in").click()
    journey.get_by_role("link", name="Turn off two-step sign-in").click()
    journey.get_by_label("Your password").fill(PASSWORD)
    journey.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
    journey.get_by_role("button", name="Turn off two-step sign-in").click()
    expect(journey.get_by_role("alert")).to_contain_text(
        "The code is not correct, has expired or has already been used"
    )
    journey.get_by_label("Your password").fill(PASSWORD)
    journey.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[1])
    journey.get_by_role("button", name="Turn off two-step sign-in").click()
    expect(journey.get_by_text("Two-step sign-in is off.", exact=True)).to_be_visible()

    sign_out(journey)
    sign_in(journey, email)
    expect(journey.get_by_role("heading", level=1)).to_have_text("Your account")


def _snapshot(page: Page, name: str, blocked: set[str], pages: dict[str, str]) -> list[str]:
    """Check the page as a browser without JavaScript shows it; keep its HTML and two
    screenshots (desktop, 320 pixels wide)."""
    ensure_scripts_blocked(page, blocked)
    assert page.locator("body.js-enabled").count() == 0, f"{name}: scripts ran"
    problems = [f"{name}: {v}" for v in axe_violations(page)]
    pages[name] = page.content()
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    keep_screenshot(page, folder / f"two-step-{name}-desktop.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 640})
    if overflow := horizontal_overflow(page):
        problems.append(f"{name}: {overflow}px wider than a 320px window")
    keep_screenshot(page, folder / f"two-step-{name}-320.png", full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})
    return problems


def test_every_two_step_page_passes_axe_and_the_html_checker_and_fits_320_pixels(
    browser: Browser, live_server: LiveServer
):
    # The service worker would answer pages itself, past the route that blocks scripts.
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1024, "height": 768},
        service_workers="block",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    email = unique_email("two-step-audit")
    create_account(page, email)
    blocked = block_page_scripts(context)
    problems: list[str] = []
    pages: dict[str, str] = {}

    page.goto("/account/two-step-sign-in")
    problems += _snapshot(page, "off", blocked, pages)
    page.goto("/account/two-step-sign-in/set-up")
    problems += _snapshot(page, "set-up", blocked, pages)
    secret = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.wait_for_load_state()
    problems += _snapshot(page, "set-up-errors", blocked, pages)
    page.get_by_label(CODE_LABEL).fill(pyotp.TOTP(secret).now())
    page.get_by_label("Your password").fill(PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.wait_for_load_state()
    # The codes page answers the form itself (nothing to reload): check that answer.
    pages["recovery-codes"] = posted.value.text()
    codes = re.findall(r"\b[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}\b", pages["recovery-codes"])
    problems += [f"recovery-codes: {v}" for v in axe_violations(page)]
    shots = ARTIFACTS / "screenshots"
    keep_screenshot(page, shots / "two-step-recovery-codes-desktop.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 640})
    assert horizontal_overflow(page) == 0, "the recovery codes page scrolls sideways"
    keep_screenshot(page, shots / "two-step-recovery-codes-320.png", full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})

    page.goto("/account/two-step-sign-in")
    problems += _snapshot(page, "on", blocked, pages)
    page.goto("/account/two-step-sign-in/recovery-codes")
    problems += _snapshot(page, "new-codes", blocked, pages)
    page.goto("/account/two-step-sign-in/turn-off")
    problems += _snapshot(page, "turn-off", blocked, pages)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    sign_in(page, email)
    page.wait_for_url(re.compile(r"/sign-in/code$"))
    problems += _snapshot(page, "sign-in-code", blocked, pages)
    page.get_by_label("Enter the code from your authenticator app").fill("12345")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    problems += _snapshot(page, "sign-in-code-errors", blocked, pages)
    page.goto("/sign-in/recovery-code")
    problems += _snapshot(page, "sign-in-recovery-code", blocked, pages)
    page.get_by_label("Enter a recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/account$"))
    problems += _snapshot(page, "after-recovery-code", blocked, pages)
    context.close()

    assert len(pages) == 11
    problems += validate_html(pages, "two-step")
    assert not problems, "\n".join(problems)
