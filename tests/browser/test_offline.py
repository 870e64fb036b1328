"""Never lose a word, with JavaScript: copies kept on the device while the network or
the server is away, sent when they come back; nothing kept on a shared computer; the
device cleared at sign-out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import open_page
from tests.browser.steps import PASSWORD, create_account, sign_out, unique_email
from tests.support.browser import device_copies, held_soon, settled, start_htmx
from tests.support.database import throwaway_database
from tests.support.records import answers_of
from tests.support.servers import LiveServer, SmtpServer, start_live_server, stop_live_server

pytestmark = pytest.mark.db

LEARNED = "What did you learn?"
DEVICE_ONLY = "Saved on this device only"
# device-copies.mjs sends what waits on the device again this often while online.
RETRY_MS = 15_000


def device_storage(page: Page) -> dict:
    """What this origin keeps on the device: IndexedDB copies, caches, workers."""
    return {
        "copies": len(device_copies(page)),
        **page.evaluate(
            """async () => ({
              caches: await caches.keys(),
              workers: (await navigator.serviceWorker.getRegistrations()).length,
            })"""
        ),
    }


def copies_soon(page: Page, expected: int, seconds: float = 5) -> int:
    """The copy is deleted just after the server's answer is shown: allow a moment."""
    return settled(lambda: device_storage(page)["copies"], lambda n: n == expected, seconds)


def ready(page: Page, path: str) -> None:
    page.goto(path)
    start_htmx(page)


def controlled_form(page: Page, path: str = "/your-cpd/new/structured") -> None:
    """Open the form once the service worker controls the page, so it has the shell."""
    ready(page, path)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    ready(page, path)  # this load goes through the worker, which keeps the shell
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)


def autosave_title(page: Page, title: str) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("Title").press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")


def test_offline_typing_survives_a_reload_and_reaches_the_server_when_back(
    browser: Browser, live_server: LiveServer
) -> None:
    page = open_page(browser, live_server, "javascript")
    email = unique_email("offline")
    create_account(page, email)
    controlled_form(page)
    page.get_by_label("Title").fill("Written on a train")
    page.get_by_label(LEARNED).fill("Typed with no signal.\nSecond line.")

    page.context.set_offline(True)
    page.get_by_label(LEARNED).press("Tab")  # leave the fields: the autosave fails
    expect(page.locator("#autosave-status")).to_contain_text(DEVICE_ONLY)
    assert device_storage(page)["copies"] == 1

    page.reload()  # still offline: the service worker rebuilds the form
    expect(page.get_by_label("Title")).to_have_value("Written on a train")
    expect(page.get_by_label(LEARNED)).to_have_value("Typed with no signal.\nSecond line.")
    expect(page.locator("#autosave-status")).to_contain_text("This device is offline")

    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at", timeout=20000)
    saved = answers_of(live_server.database_url, email)
    assert any(
        a.get("title") == "Written on a train"
        and a.get("what_you_learned") == "Typed with no signal.\nSecond line."
        for a in saved
    )
    expect(page).to_have_url(re.compile(r"/your-cpd/\d+/edit$"))
    assert copies_soon(page, 0) == 0
    page.context.close()


def test_a_copy_the_server_confirmed_is_never_put_back_even_if_it_outlived_its_page(
    browser: Browser, live_server: LiveServer
) -> None:
    """A copy is deleted from IndexedDB after the server's answer, which takes a moment;
    a page left in that moment kept it, and the next new form (the same address) was
    filled with the first form's answers, page token included, so it wrote over the
    first form's draft (seen once in a full run). Here the deletion never happens."""
    page = open_page(browser, live_server, "javascript")
    create_account(page, unique_email("outlived"))
    controlled_form(page)
    # Every deletion on this page is abandoned, as when the page goes before it is done.
    page.evaluate(
        "() => { IDBObjectStore.prototype.delete = function () { this.transaction.abort() } }"
    )
    autosave_title(page, "First form, online")
    assert device_storage(page)["copies"] == 1  # outlived its answer

    page.context.set_offline(True)
    ready(page, "/your-cpd/new/structured")  # the worker's copy of the new form
    expect(page.locator("#autosave-status")).to_be_empty()
    expect(page.get_by_label("Title")).to_have_value("")
    page.context.close()


def test_forgetting_a_confirmed_copy_leaves_a_later_copy_and_its_note_alone(
    browser: Browser, live_server: LiveServer
) -> None:
    """Each page keeps one copy (its key is the person and the address). Two autosaves
    of a page in quick succession: the first one's deletion can finish after the second
    copy is put there and noted as confirmed. That deletion took the second copy's note
    with it; had the second copy then outlived its page (its own deletion abandoned), the
    next form at that address was filled with it. Forgetting a copy now removes only
    that copy (or an older one) and only its own note."""
    page = open_page(browser, live_server, "javascript")
    create_account(page, unique_email("forget"))
    ready(page, "/your-cpd/new/structured")
    left = page.evaluate(
        """async () => {
          const copies = await import('/static/js/device-copies.mjs')
          const key = 'someone:/your-cpd/new/structured'
          const first = { key, savedAt: 1 }
          const second = { key, savedAt: 2, fields: [['title', 'Second save']] }
          await copies.putCopy(second)  // the second autosave's copy replaced the first
          copies.noteConfirmed(second)  // and the server confirmed it
          await copies.forgetConfirmed(first)  // the first one's deletion finishes late
          return {
            copy: await copies.getCopy(key),
            note: localStorage.getItem('record-cpd:confirmed:' + key),
          }
        }"""
    )
    assert left["copy"]["fields"] == [["title", "Second save"]]
    assert left["note"] == "2"
    page.context.close()


def test_a_page_that_cannot_be_reached_offline_says_so_and_tries_again(
    browser: Browser, live_server: LiveServer
) -> None:
    """The worker answers a page it does not keep with the offline page, kept once for
    everyone (fetched without cookies). Its header said "Sign in" and "Create an
    account" to someone signed in, as if their session or account were gone, and
    nothing on it tried again."""
    page = open_page(browser, live_server, "javascript")
    create_account(page, unique_email("offline-page"))
    controlled_form(page)
    page.context.set_offline(True)
    page.goto("/your-cpd")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Sign in")).to_have_count(0)
    expect(header.get_by_role("link", name="Create an account")).to_have_count(0)

    page.context.set_offline(False)
    page.get_by_role("link", name="Try again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CPD")
    page.context.close()


@pytest.mark.parametrize("refused_with", [400, 500])
def test_an_autosave_refused_online_says_so_and_is_kept_to_send_again(
    browser: Browser, live_server: LiveServer, refused_with: int
) -> None:
    """An answer that is not one the page knows (a token from another session, a fault)
    said "Saved on this device only — it will be sent when you are back online" on a
    device that was online."""
    page = open_page(browser, live_server, "javascript")
    create_account(page, unique_email("refused-online"))
    ready(page, "/your-cpd/new/structured")
    page.wait_for_function("() => window.recordCpdDeviceCopies === true")
    page.route(
        "**/your-cpd/autosave",
        lambda route: route.fulfill(status=refused_with, body="Refused"),
    )
    page.get_by_label("Title").fill("Refused while online")
    page.get_by_label("Title").press("Tab")
    status_line = page.locator("#autosave-status")
    expect(status_line).to_contain_text("could not be saved just now")
    expect(status_line).to_contain_text("kept on this device")
    expect(status_line).not_to_contain_text("online")
    assert copies_soon(page, 1) == 1
    page.context.close()


def test_a_second_new_form_opened_offline_makes_its_own_draft(
    browser: Browser, live_server: LiveServer
) -> None:
    """The worker keeps the whole new form, page token included: each page it serves
    must still write to a record of its own, never over the first form's draft."""
    page = open_page(browser, live_server, "javascript")
    email = unique_email("two-offline")
    create_account(page, email)
    controlled_form(page)
    autosave_title(page, "First form, online")

    page.context.set_offline(True)
    ready(page, "/your-cpd/new/structured")  # the worker's copy of the new form
    expect(page.get_by_label("Title")).to_have_value("")
    page.get_by_label("Title").fill("Second form, offline")
    page.get_by_label(LEARNED).fill("Typed with no signal.")
    page.get_by_label(LEARNED).press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text(DEVICE_ONLY)

    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at", timeout=20000)
    titles = settled(
        lambda: [a.get("title") for a in answers_of(live_server.database_url, email)],
        lambda found: len(found) == 2,
        5,
    )
    assert titles == ["First form, online", "Second form, offline"]
    page.context.close()


@pytest.fixture
def restartable_server(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SmtpServer
) -> Iterator[dict]:
    instance = tmp_path_factory.mktemp("restartable")
    with throwaway_database(instance, "restart") as url:
        # Accounts are confirmed by email: the steps read it from the SMTP server.
        env = {
            "SECRET_KEY": "restartable-secret",
            "MAIL_BACKEND": "smtp",
            "MAIL_PORT": str(smtp_server.port),
        }
        server = start_live_server(database_url=url, instance_dir=instance, env=env)
        holder = {"server": server, "instance": instance, "env": env, "url": url}
        try:
            yield holder
        finally:
            stop_live_server(holder["server"])


def test_the_server_stopped_mid_typing_loses_nothing(
    browser: Browser, restartable_server: dict
) -> None:
    server: LiveServer = restartable_server["server"]
    page = open_page(browser, server, "javascript")
    # Playwright's clock, running as time does until the retry below is brought on.
    page.clock.install()
    email = unique_email("restart")
    create_account(page, email)
    ready(page, "/your-cpd/new/unstructured")
    page.get_by_label("Title").fill("Through a restart")
    page.get_by_label("Title").press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")

    stop_live_server(server)
    describe = page.get_by_label("Describe your CPD and how it meets the CPD standard")
    describe.fill("Typed while the server was down.")
    describe.press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text(DEVICE_ONLY)

    restartable_server["server"] = start_live_server(
        database_url=restartable_server["url"],
        instance_dir=restartable_server["instance"],
        env=restartable_server["env"],
        port=urlsplit(server.url).port,
    )
    # Sent by itself at the next retry (every 15 s, device-copies.mjs); nothing to
    # press. The page's clock is moved on to it rather than waited for.
    page.clock.fast_forward(RETRY_MS)
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at", timeout=30000)
    [answers] = answers_of(restartable_server["url"], email)
    assert answers["description"] == "Typed while the server was down."
    page.context.close()


def test_a_shared_computer_keeps_nothing_and_sign_out_clears_the_device(
    browser: Browser, live_server: LiveServer
) -> None:
    page = open_page(browser, live_server, "javascript")
    email = unique_email("shared")
    create_account(page, email)
    # A normal sign-in: the worker and copies are allowed; sign-out clears them.
    controlled_form(page)
    autosave_title(page, "On my own computer")
    assert copies_soon(page, 0) == 0  # the server has it: nothing kept
    assert device_storage(page)["caches"] != []
    sign_out(page)
    storage = device_storage(page)
    assert storage == {"copies": 0, "caches": [], "workers": 0}, storage

    # Shared or public computer: nothing on the device even while offline.
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("This is a shared or public computer").check()
    page.get_by_role("button", name="Sign in").click()
    ready(page, "/your-cpd/new/unstructured")
    page.get_by_label("Title").fill("On a library computer")
    page.get_by_label("Title").press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")
    page.context.set_offline(True)
    describe = page.get_by_label("Describe your CPD and how it meets the CPD standard")
    describe.fill("Not to be kept here.")
    describe.press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("offline saving is off")
    page.context.set_offline(False)
    assert device_storage(page) == {"copies": 0, "caches": [], "workers": 0}
    sign_out(page)
    assert device_storage(page) == {"copies": 0, "caches": [], "workers": 0}
    page.context.close()


def test_the_timer_does_not_send_again_what_an_autosave_on_its_way_carries(
    browser: Browser, live_server: LiveServer
) -> None:
    """The copy kept as an autosave is sent stays on the device until the answer comes.
    If the 15-second timer fires meanwhile, that copy is the autosave's own: sending it
    again would post the same answers twice, and the second answer, arriving late,
    moved the session's end (the timeout warning closed itself or came late)."""
    page = open_page(browser, live_server, "javascript")
    create_account(page, unique_email("in-flight"))
    page.clock.install()
    ready(page, "/your-cpd/new/unstructured")
    page.clock.pause_at(page.evaluate("Date.now()") / 1000)
    sent: list[str] = []
    held: list = []
    page.on(
        "request",
        lambda request: sent.append(request.method) if "/autosave" in request.url else None,
    )
    page.route("**/your-cpd/autosave", lambda route: held.append(route))  # held until released

    page.get_by_label("Title").fill("Sent once")
    page.get_by_label("Title").press("Tab")
    assert held_soon(page, held, 1) == 1
    assert copies_soon(page, 1) == 1  # kept while the autosave is on its way
    page.clock.run_for(RETRY_MS)  # the timer fires with the autosave still unanswered
    device_copies(page)  # after the timer's own look at the device (same store, in order)

    page.route("**/your-cpd/autosave", lambda route: route.continue_())  # no more held
    held.pop().continue_()
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")
    page.evaluate("() => true")  # a second autosave would be on its way by now
    assert sent == ["POST"]
    assert copies_soon(page, 0) == 0
