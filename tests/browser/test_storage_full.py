"""An account at its storage quota: nothing more is stored, nothing typed is lost, and
the page says why, in words that are true (the person is online; resending will not
help until there is room)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Request, Response, expect
from sqlalchemy import create_engine
from sqlmodel import Session, select

from app.models import User
from app.policy import Policy
from app.records.models import CpdDocument, CpdRecord
from tests.browser.conftest import assert_mode, open_page
from tests.browser.steps import create_account, unique_email
from tests.support.browser import device_copies, start_htmx
from tests.support.records import answers_of
from tests.support.servers import LiveServer

pytestmark = pytest.mark.db

LEARNED = "What did you learn?"
FULL = re.compile(r"Your account has reached its storage limit of .+, so this was not saved")
FORM = "/your-cpd/new/structured"
TYPED = {"Title": "Typed into a full account", LEARNED: "Every word of this must be kept."}


def fill_the_account(database_url: str, email: str) -> None:
    """Give the account a document as large as its whole quota, straight into the
    database: no save through the server first, which would have it remember (for up
    to 30 s, app/uploads/quota.py) that there was room."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as db:
            owner = db.exec(select(User).where(User.email == email)).one()
            assert owner.id is not None
            record = CpdRecord(owner_id=owner.id, form_type="unstructured", answers={})
            db.add(record)
            db.flush()
            assert record.id is not None
            db.add(
                CpdDocument(
                    record_id=record.id,
                    owner_id=owner.id,
                    filename="large scan.pdf",
                    kind="pdf",
                    size=Policy().storage_quota_bytes,
                    sha256="0" * 64,
                    scan_status="not scanned",
                )
            )
            db.commit()
    finally:
        engine.dispose()


@pytest.fixture
def email() -> str:
    return unique_email("full")


@pytest.fixture
def full_page(browser: Browser, live_server: LiveServer, email: str) -> Iterator[Page]:
    """Signed in with JavaScript, to an account that is full, with offline saving on."""
    page = open_page(browser, live_server, "javascript")
    create_account(page, email)
    fill_the_account(live_server.database_url, email)
    yield page
    page.context.close()


def is_autosave(sent: Request | Response) -> bool:
    return sent.url.endswith("/your-cpd/autosave")


def type_the_answers(page: Page) -> None:
    """Answer two questions and move on, as a person would, then let any autosave (and
    its answer) finish: an answer arriving while a button is pressed can change the
    status line's height and move the button from under the pointer."""
    for label, words in TYPED.items():
        page.get_by_label(label).fill(words)
    page.get_by_label(LEARNED).press("Tab")
    page.wait_for_load_state("networkidle")


def test_a_full_account_says_so_in_the_status_line_and_keeps_the_words_on_the_device(
    full_page: Page, live_server: LiveServer, email: str
) -> None:
    page = full_page
    page.clock.install()  # to move past the 15 s retry without waiting for it
    page.goto(FORM)
    start_htmx(page)
    # device-copies.mjs has started, so even the first autosave leaves a copy.
    page.wait_for_function("() => window.recordCpdDeviceCopies === true")
    refused: list[int] = []
    page.on("response", lambda r: refused.append(r.status) if is_autosave(r) else None)
    type_the_answers(page)
    assert refused and set(refused) == {507}

    # The server's own reason, announced politely; not "offline", which is untrue.
    status_line = page.get_by_role("status").filter(has_text=FULL)
    expect(status_line).to_be_visible()
    expect(status_line).to_contain_text("Your text is still here")
    expect(page.locator("#autosave-status")).not_to_contain_text("on this device only")
    expect(page.get_by_label(LEARNED)).to_have_value(TYPED[LEARNED])

    # Nothing stored on the server, and every word kept on the device to send later.
    [copy] = device_copies(page)
    assert copy["path"] == FORM
    assert ["title", TYPED["Title"]] in copy["fields"]
    assert ["what_you_learned", TYPED[LEARNED]] in copy["fields"]
    assert TYPED["Title"] not in [
        a.get("title") for a in answers_of(live_server.database_url, email)
    ]

    # Resending cannot help until there is room: no autosave every 15 s, and the
    # reason stays on the line.
    answered = len(refused)
    page.clock.run_for(46_000)
    page.wait_for_timeout(1_000)
    assert len(refused) == answered
    expect(status_line).to_be_visible()
    expect(page.locator("#autosave-status")).not_to_contain_text("on this device only")

    # The words are still unsaved as far as the page knows: leaving sends them once
    # more (leaving.mjs; the event is raised here, as Playwright does not report a
    # request sent by a page that is going away).
    with page.expect_request(is_autosave):
        page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    # The next page sends the copy, is refused, and keeps it until there is room.
    with page.expect_response(is_autosave) as answer:
        page.get_by_role("link", name="Your CPD").first.click()
    assert answer.value.status == 507
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CPD")
    assert [c["fields"] for c in device_copies(page)] == [copy["fields"]]


def test_a_full_account_gets_the_form_back_with_every_answer_and_the_reason(
    journey: Page, mode: str, live_server: LiveServer, email: str
) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, email)
    fill_the_account(live_server.database_url, email)
    journey.goto(FORM)
    type_the_answers(journey)
    journey.get_by_role("button", name="Save as draft").click()

    expect(journey).to_have_title(re.compile(r"^Error: "))
    expect(journey.get_by_role("alert")).to_contain_text(FULL)
    for label, words in TYPED.items():
        expect(journey.get_by_label(label)).to_have_value(words)
    assert TYPED["Title"] not in [
        a.get("title") for a in answers_of(live_server.database_url, email)
    ]


def test_without_copies_on_the_device_the_status_line_still_gives_the_servers_reason(
    browser: Browser, live_server: LiveServer, email: str
) -> None:
    # A browser without service workers: device-copies.mjs does not start, and app.mjs
    # reports a failed autosave itself.
    page = open_page(browser, live_server, "javascript")
    page.add_init_script("delete Navigator.prototype.serviceWorker")
    create_account(page, email)
    fill_the_account(live_server.database_url, email)
    page.goto(FORM)
    start_htmx(page)
    type_the_answers(page)
    assert page.evaluate("() => window.recordCpdDeviceCopies") is None
    expect(page.get_by_role("status").filter(has_text=FULL)).to_be_visible()
    expect(page.locator("#autosave-status")).not_to_contain_text("could not be saved just now")
    page.context.close()
