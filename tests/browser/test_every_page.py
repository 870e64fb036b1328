"""Every page, in every state a person can reach it in, checked in a real browser:
axe finds no violations with JavaScript on and off, nothing scrolls sideways at 320 px,
and the HTML the server sent is valid (Nu HTML Checker, in the case without JavaScript:
the HTML that visit was sent). Screenshots are kept in tests/_artifacts/screenshots for
people to look at."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable

import pytest
from itsdangerous import URLSafeSerializer
from playwright.sync_api import Browser, Page, expect

from app.cpd.listing import PAGE_SIZE
from app.records.models import DRAFT, RECORDED
from app.reminders.emails import UNSUBSCRIBE_SALT
from tests.browser.steps import create_account, sign_in, unique_email
from tests.support import sample_files
from tests.support.audit import (
    ARTIFACTS,
    axe_violations,
    block_page_scripts,
    ensure_scripts_blocked,
    horizontal_overflow,
    validate_html,
)
from tests.support.browser import start_htmx
from tests.support.records import top_up
from tests.support.screenshots import keep_screenshot
from tests.support.servers import LiveServer

SCREENSHOTS = ARTIFACTS / "screenshots"


def _get(path: str) -> Callable[[Page, dict], str]:
    def visit(page: Page, _context: dict) -> str:
        response = page.goto(path)
        assert response is not None
        return response.text()

    return visit


def _submit_empty(path: str, button: str) -> Callable[[Page, dict], str]:
    def visit(page: Page, _context: dict) -> str:
        page.goto(path)
        with page.expect_response(
            lambda r: r.request.method == "POST" and r.request.resource_type == "document"
        ) as posted:
            page.get_by_role("button", name=button).click()
        page.wait_for_load_state()
        return posted.value.text()

    return visit


def _csrf_failure(page: Page, _context: dict) -> str:
    page.goto("/feedback")
    page.get_by_label("What would you like to tell us?").fill("The form sat open all night")
    page.context.clear_cookies()
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "document"
    ) as posted:
        page.get_by_role("button", name="Send feedback").click()
    page.wait_for_load_state()
    assert posted.value.status == 400
    return posted.value.text()


def _cpd_form_refused(page: Page, _context: dict) -> str:
    """A CPD form sent after signing out in another tab: not saved, its words shown
    back with a way to sign in (app/cpd/refused.py)."""
    page.goto("/your-cpd/new/unstructured")
    page.get_by_label("Title").fill("Written before signing out in another tab")
    other_tab = page.context.new_page()
    other_tab.goto("/account")
    other_tab.get_by_role("button", name="Sign out").click()
    other_tab.wait_for_url(re.compile(r"/signed-out$"))
    other_tab.close()
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "document"
    ) as posted:
        page.get_by_role("button", name="Save as draft").click()
    page.wait_for_load_state()
    assert posted.value.status == 400
    return posted.value.text()


def _feedback_sent(page: Page, _context: dict) -> str:
    page.goto("/feedback")
    page.get_by_label("What would you like to tell us?").fill("Clear and quick")
    with page.expect_response(lambda r: r.url.endswith("/feedback/sent")) as sent:
        page.get_by_role("button", name="Send feedback").click()
    page.wait_for_load_state()
    return sent.value.text()


def _too_many_attempts(page: Page, context: dict) -> str:
    email = context["account"]
    for _ in range(6):
        page.goto("/sign-in")
        page.get_by_label("Email address").fill("locked-" + email)
        page.get_by_label("Password", exact=True).fill("wrong password here")
        with page.expect_response(
            lambda r: r.request.method == "POST" and r.request.resource_type == "document"
        ) as posted:
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
    assert posted.value.status == 429
    return posted.value.text()


def _reset_password_form(page: Page, context: dict) -> str:
    smtp = context["smtp"]
    page.goto("/forgot-password")
    page.get_by_label("What is the email address for your account?").fill(context["account"])
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_load_state()
    message = smtp.catcher.wait_for(context["account"], "/reset-password/")
    link = re.search(
        r"https?://\S+/reset-password/\S+", message.get_payload(decode=True).decode()
    ).group(0)
    response = page.goto(link)
    return response.text()


def _confirm_account_page(page: Page, context: dict) -> str:
    email = unique_email("confirm")
    page.goto("/create-account")
    page.get_by_label("Full name").fill("Casey Confirm")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill("quiet harbour lantern")
    page.get_by_label("Confirm your password").fill("quiet harbour lantern")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    message = context["smtp"].catcher.wait_for(email, "/create-account/confirm/")
    link = re.search(
        r"https?://\S+/create-account/confirm/\S+", message.get_payload(decode=True).decode()
    ).group(0)
    return page.goto(link).text()


def _signed_in(visit: Callable[[Page, dict], str]) -> Callable[[Page, dict], str]:
    """The visit made by the audit account's person, in the session the module signed in
    once (``audit_session``): signing in through the form for each of 80 cases cost more
    than a tenth of this file's time, and signing in has journeys of its own."""

    def signed_in_visit(page: Page, context: dict) -> str:
        page.context.add_cookies(context["session_cookies"])
        return visit(page, context)

    return signed_in_visit


def _signed_in_afresh(visit: Callable[[Page, dict], str]) -> Callable[[Page, dict], str]:
    """For a visit that ends its session (signs out): a sign-in of its own, through the
    form, so the module's shared session lives on."""

    def signed_in_visit(page: Page, context: dict) -> str:
        sign_in(page, context["account"])
        page.wait_for_url(re.compile(r"/account$"))
        return visit(page, context)

    return signed_in_visit


RECORD_FORM = {
    "title": "Audit record",
    "completed_day": "2",
    "completed_month": "12",
    "completed_year": "2019",
    "activity_type": "other",
    "activity_other": "Shadowing a colleague",
    "what_you_did": "Shadowed a senior practitioner.\nTwo lines.",
    "what_you_learned": "Learned things.",
    "practice_change": "Changed things.",
    "peer_reflection": "",
    "standard_parts": "4.1",
    "action": "record",
}


def _create_record(page: Page, **changes: str) -> str:
    """A recorded structured record made through the form endpoint; returns its path."""
    form_page = page.goto("/your-cpd/new/structured")
    assert form_page is not None
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page.text()).group(1)
    response = page.request.post(
        "/your-cpd/new/structured",
        form={**RECORD_FORM, **changes, "csrf_token": token},
        max_redirects=0,
    )
    assert response.status == 302, response.text()
    return response.headers["location"].removesuffix("/recorded")


def _record_page(suffix: str, **changes: str) -> Callable[[Page, dict], str]:
    def visit(page: Page, _context: dict) -> str:
        response = page.goto(_create_record(page, **changes) + suffix)
        assert response is not None
        return response.text()

    return visit


def _with_pending_changes(page: Page, _context: dict) -> str:
    path = _create_record(page)
    page.goto(path + "/edit")
    page.get_by_label("What did you learn?").fill("A draft change")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url(re.compile(r"/your-cpd$"))
    response = page.goto(path)
    assert response is not None
    return response.text()


def _leave_box(page: Page, label: str) -> None:
    """Leave a box, as a person does before pressing a button. With JavaScript, leaving it
    autosaves, and the answer appears in the status line at the window's foot, where it
    can take a click meant for a button beneath it (seen under load): wait for it."""
    page.get_by_label(label).press("Tab")
    if _scripted(page):
        expect(page.locator("#autosave-status")).not_to_be_empty()


def _conflict(page: Page, _context: dict) -> str:
    path = _create_record(page)
    page.goto(path + "/edit")
    other_tab = page.context.new_page()
    other_tab.goto(path + "/edit")
    other_tab.get_by_label("What did you learn?").fill("Saved in the other tab")
    _leave_box(other_tab, "What did you learn?")
    other_tab.get_by_role("button", name="Save changes").click()
    # Closing a tab while its navigation is still inside the script-blocking route hangs
    # Playwright (seen in CI): let the save land first.
    other_tab.wait_for_url(re.compile(r"/recorded$"))
    other_tab.wait_for_load_state()
    other_tab.close()
    page.get_by_label("What did you learn?").fill("Typed in this tab")
    _leave_box(page, "What did you learn?")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "document"
    ) as posted:
        page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert posted.value.status == 409
    return posted.value.text()


def _your_cpd_with_records(page: Page, _context: dict) -> str:
    _create_record(page, action="draft", title="")
    _create_record(page, title="Recorded for the summary")
    response = page.goto("/your-cpd")
    assert response is not None
    return response.text()


def _your_cpd_second_page(page: Page, context: dict) -> str:
    """Page 2 of this year's records, so GOV.UK pagination is checked too."""
    top_up(context["database_url"], context["account"], RECORDED, PAGE_SIZE + 5)
    response = page.goto("/your-cpd?page=2")
    assert response is not None
    return response.text()


def _your_drafts_second_page(page: Page, context: dict) -> str:
    """Page 2 of the drafts (Your CPD shows the first page of them only)."""
    top_up(context["database_url"], context["account"], DRAFT, PAGE_SIZE + 3)
    response = page.goto("/your-cpd/drafts?page=2")
    assert response is not None
    return response.text()


def _your_cpd_earlier_year(page: Page, _context: dict) -> str:
    _create_record(page, title="Kept in an earlier year")
    response = page.goto("/your-cpd/years/2019")
    assert response is not None
    return response.text()


def _recently_deleted(page: Page, _context: dict) -> str:
    path = _create_record(page, title="Deleted record")
    page.goto(path + "/delete")
    page.get_by_role("button", name="Yes, delete this CPD").click()
    page.wait_for_url(re.compile(r"/your-cpd$"))
    response = page.goto("/your-cpd/recently-deleted")
    assert response is not None
    return response.text()


def _over_limit(page: Page, _context: dict) -> str:
    page.goto("/your-cpd/new/structured")
    page.get_by_label("What did you learn?").fill("x" * 3001)
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "document"
    ) as posted:
        page.get_by_role("button", name="Save and record CPD").click()
    page.wait_for_load_state()
    return posted.value.text()


def _autosaved_with_counts(page: Page, _context: dict) -> str:
    """With JavaScript: the status line after an autosave and a count over the limit."""
    page.goto("/your-cpd/new/structured")
    scripted = page.evaluate("() => document.body.classList.contains('js-enabled')")
    if scripted:
        start_htmx(page)
    page.get_by_label("Title").fill("Autosaved for the audit")
    page.get_by_label("Title").press("Tab")
    page.get_by_label("What did you learn?").fill("x" * 3005)
    page.get_by_label("What did you learn?").press("Tab")
    if scripted:
        page.locator("#autosave-status").filter(has_text="Draft saved").wait_for()
        page.locator("#what_you_learned-count", has_text="too many").wait_for()
    return page.content()


def _scripted(page: Page) -> bool:
    return bool(page.evaluate("() => document.body.classList.contains('js-enabled')"))


def _open_form(page: Page, path: str) -> None:
    page.goto(path)
    if _scripted(page):
        start_htmx(page)
        page.evaluate("() => import('/static/js/uploads.mjs').then((m) => m.startUploads())")


AUDIT_DOCUMENTS = (
    {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": sample_files.pdf()},
    {"name": "review.docx", "mimeType": "application/octet-stream", "buffer": sample_files.docx()},
    {
        "name": "notes.txt",
        "mimeType": "text/plain",
        "buffer": b"Ring the family on 07700 900123.\n",
    },
)


def _post_with_files(page: Page, path: str, files: tuple[dict, ...]) -> None:
    """Save the edit form with files and the anonymisation confirmation, as a browser
    posts it (multipart), through the page's request API: no page navigates, so no
    script runs on a page meant to be audited without JavaScript."""
    form = page.request.get(path).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    fields = [
        *((name, value) for name, value in RECORD_FORM.items() if name != "action"),
        ("csrf_token", token),
        ("version", version),
        ("action", "record"),
        ("anonymised_confirmed", "yes"),
    ]
    boundary = "audit-boundary-7d41"
    body = b""
    for name, value in fields:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        body += value.encode() + b"\r\n"
    for document in files:
        body += (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="documents"; filename="{document["name"]}"\r\n'
            f"Content-Type: {document['mimeType']}\r\n\r\n"
        ).encode()
        body += document["buffer"] + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    response = page.request.post(
        path,
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        max_redirects=0,
    )
    assert response.status == 302, response.text()


def _record_with_documents(suffix: str) -> Callable[[Page, dict], str]:
    """A draft with three documents (one whose text may identify someone)."""

    def visit(page: Page, _context: dict) -> str:
        path = _create_record(page, title="With documents")
        _post_with_files(page, path + "/edit", AUDIT_DOCUMENTS)
        response = page.goto(path + suffix)
        assert response is not None
        return response.text()

    return visit


def _refused_upload(page: Page, _context: dict) -> str:
    _open_form(page, "/your-cpd/new/structured")
    page.get_by_label("Title").fill("Kept when a file is refused")
    field = page.get_by_label("Supporting documents (optional)")
    executable = {
        "name": "report.exe",
        "mimeType": "application/octet-stream",
        "buffer": sample_files.EXECUTABLE,
    }
    if _scripted(page):
        with page.expect_response(lambda r: r.url.endswith("/your-cpd/documents")):
            field.set_input_files([executable])
        page.locator("#documents-error").wait_for()
        return page.content()
    field.set_input_files([executable])
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "document"
    ) as posted:
        page.get_by_role("button", name="Save and record CPD").click()
    page.wait_for_load_state()
    assert posted.value.status == 400
    return posted.value.text()


def _anonymity_warnings(page: Page, _context: dict) -> str:
    """Warnings beside the boxes and the confirmation that recording asks for."""
    _open_form(page, "/your-cpd/new/unstructured")
    page.get_by_label("Title").fill("Visit with Mr Brown")
    describe = page.get_by_label("Describe your CPD and how it meets the CPD standard")
    # A postcode, and a name with its "not a real person" box (issue 20).
    describe.fill("We met Amira at her home, SW1A 1AA, and talked about her care plan.")
    if _scripted(page):
        describe.press("Tab")
        page.locator("#description-identifiers .govuk-warning-text").wait_for()
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "document"
    ) as posted:
        page.get_by_role("button", name="Save and record CPD").click()
    page.wait_for_load_state()
    assert posted.value.status == 400
    return posted.value.text()


def _upload_in_progress(page: Page, _context: dict) -> str:
    """With JavaScript: the progress bar while a file is on its way (the answer is held
    back until the page has been audited)."""
    _open_form(page, "/your-cpd/new/structured")
    if not _scripted(page):
        return page.content()
    held = []
    page.route("**/your-cpd/documents", lambda route: held.append(route))
    page.get_by_label("Supporting documents (optional)").set_input_files([AUDIT_DOCUMENTS[0]])
    page.locator("#documents-progress progress").wait_for()
    return page.content()


def _unsubscribe_path(age_days: int = 0) -> str:
    """A link as a reminder email carries it, signed with the live server's key, made
    ``age_days`` ago."""
    made = int(time.time()) - age_days * 24 * 3600
    token = URLSafeSerializer("live-test-secret-key", salt=UNSUBSCRIBE_SALT).dumps(
        {"user": 999_999, "kind": "window-opening", "made": made}
    )
    return f"/unsubscribe/{token}"


def _print_year(page: Page, _context: dict) -> str:
    _create_record(page, title="Printed for the audit")
    response = page.goto("/your-cpd/years/2019/print")
    assert response is not None
    return response.text()


def _imported(page: Page, _context: dict) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "records.json", '{"format": "record-cpd-export", "version": 1, "records": []}'
        )
    page.goto("/your-cpd/import")
    page.get_by_label("ZIP file of your CPD").set_input_files(
        [{"name": "your-cpd.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}]
    )
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "document"
    ) as posted:
        page.get_by_role("button", name="Import CPD").click()
    page.wait_for_load_state()
    assert posted.value.status == 200
    return posted.value.text()


PAGES: dict[str, Callable[[Page, dict], str]] = {
    "start": _get("/"),
    "sign-in": _get("/sign-in"),
    "sign-in-errors": _submit_empty("/sign-in", "Sign in"),
    "create-account": _get("/create-account"),
    "create-account-errors": _submit_empty("/create-account", "Create account"),
    "forgot-password": _get("/forgot-password"),
    "forgot-password-errors": _submit_empty("/forgot-password", "Send the link"),
    "check-your-email": _get("/forgot-password/check-your-email"),
    "reset-password": _reset_password_form,
    "reset-link-expired": _get("/reset-password/no-such-token"),
    "account-check-your-email": _get("/create-account/check-your-email"),
    "confirm-account": _confirm_account_page,
    "confirm-link-expired": _get("/create-account/confirm/no-such-token"),
    "signed-out": _get("/signed-out"),
    # What the service worker shows, offline, for a page it does not keep.
    "offline": _get("/offline"),
    "too-many-attempts": _too_many_attempts,
    "cookies": _get("/cookies"),
    "accessibility": _get("/accessibility"),
    "help": _get("/help"),
    "feedback": _get("/feedback"),
    "feedback-errors": _submit_empty("/feedback", "Send feedback"),
    "feedback-sent": _feedback_sent,
    "csrf-failure": _csrf_failure,
    "not-found": _get("/no-such-page"),
    "account": _signed_in(_get("/account")),
    "change-password": _signed_in(_get("/account/change-password")),
    "change-password-errors": _signed_in(
        _submit_empty("/account/change-password", "Change password")
    ),
    "devices": _signed_in(_get("/account/devices")),
    "your-cpd": _signed_in(_get("/your-cpd")),
    "cpd-standard": _get("/cpd-standard"),
    "structured-form": _signed_in(_get("/your-cpd/new/structured")),
    "structured-form-errors": _signed_in(
        _submit_empty("/your-cpd/new/structured", "Save and record CPD")
    ),
    "structured-form-over-limit": _signed_in(_over_limit),
    "structured-form-autosaved": _signed_in(_autosaved_with_counts),
    "unstructured-form": _signed_in(_get("/your-cpd/new/unstructured")),
    "unstructured-form-errors": _signed_in(
        _submit_empty("/your-cpd/new/unstructured", "Save and record CPD")
    ),
    "cpd-recorded": _signed_in(_record_page("/recorded")),
    "cpd-view": _signed_in(_record_page("")),
    "cpd-view-pending-changes": _signed_in(_with_pending_changes),
    "cpd-edit": _signed_in(_record_page("/edit")),
    "cpd-history": _signed_in(_record_page("/history")),
    "cpd-delete": _signed_in(_record_page("/delete")),
    "cpd-conflict": _signed_in(_conflict),
    "recently-deleted": _signed_in(_recently_deleted),
    "cpd-refused": _signed_in_afresh(_cpd_form_refused),
    "your-cpd-with-records": _signed_in(_your_cpd_with_records),
    "your-cpd-second-page": _signed_in(_your_cpd_second_page),
    "your-cpd-drafts-second-page": _signed_in(_your_drafts_second_page),
    "your-cpd-earlier-year": _signed_in(_your_cpd_earlier_year),
    "cpd-edit-with-documents": _signed_in(_record_with_documents("/edit")),
    "cpd-view-with-documents": _signed_in(_record_with_documents("")),
    "cpd-history-with-documents": _signed_in(_record_with_documents("/history")),
    "structured-form-refused-upload": _signed_in(_refused_upload),
    "unstructured-form-anonymity-warnings": _signed_in(_anonymity_warnings),
    "structured-form-upload-in-progress": _signed_in(_upload_in_progress),
    "email-reminders": _signed_in(_get("/account/reminders")),
    "unsubscribe": _get(_unsubscribe_path()),
    "unsubscribed": _submit_empty(_unsubscribe_path(), "Stop these reminders"),
    "unsubscribe-link-broken": _get("/unsubscribe/not-a-signed-token"),
    "unsubscribe-link-expired": _get(_unsubscribe_path(age_days=10_000)),
    "print-record": _signed_in(_record_page("/print")),
    "print-year": _signed_in(_print_year),
    "import": _signed_in(_get("/your-cpd/import")),
    "import-errors": _signed_in(_submit_empty("/your-cpd/import", "Import CPD")),
    "imported": _signed_in(_imported),
}


@pytest.fixture(scope="module")
def audit_account(browser: Browser, live_server: LiveServer) -> str:
    email = unique_email("audit")
    context = browser.new_context(base_url=live_server.url)
    create_account(context.new_page(), email)
    context.close()
    return email


def _audit_context(browser: Browser, live_server: LiveServer, mode: str, width: int = 1024):
    # The service worker would answer pages itself, past the route that blocks scripts.
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 900},
        service_workers="block" if mode == "no-javascript" else "allow",
    )
    blocked = block_page_scripts(context) if mode == "no-javascript" else None
    return context, blocked


def audit_visit(
    browser: Browser,
    live_server: LiveServer,
    visit: Callable[[Page, dict], str],
    *,
    name: str,
    mode: str,
    values: dict,
    html_folder: str,
) -> None:
    """Reach a page by ``visit`` and check it: axe at desktop width and at 320 px, no
    sideways scrolling, screenshots of both (also used by test_account_change_pages);
    without JavaScript, also the HTML the server sent, by the Nu HTML Checker (the pages
    are kept in tests/_artifacts/html/HTML_FOLDER/NAME)."""
    context, blocked = _audit_context(browser, live_server, mode)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sent = visit(page, values)
    if blocked is not None:
        ensure_scripts_blocked(page, blocked)
    assert page.locator("body.js-enabled").count() == (1 if mode == "javascript" else 0)

    assert axe_violations(page) == [], f"{name} ({mode})"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    keep_screenshot(page, SCREENSHOTS / f"{name}-{mode}-desktop.png", full_page=True)

    page.set_viewport_size({"width": 320, "height": 640})
    assert horizontal_overflow(page) == 0, f"{name} ({mode}) scrolls sideways at 320 px"
    assert axe_violations(page) == [], f"{name} ({mode}) at 320 px"
    keep_screenshot(page, SCREENSHOTS / f"{name}-{mode}-320.png", full_page=True)
    context.close()
    if mode == "no-javascript":
        assert validate_html({name: sent}, f"{html_folder}/{name}") == []


@pytest.mark.parametrize("mode", ["javascript", "no-javascript"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_fits_320_pixels_and_is_valid_html(
    name: str, mode: str, browser: Browser, live_server: LiveServer, audit_values: dict
):
    audit_visit(
        browser,
        live_server,
        PAGES[name],
        name=name,
        mode=mode,
        values=audit_values,
        html_folder="every-page",
    )
