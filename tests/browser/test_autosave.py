"""The JavaScript enhancement: autosave (htmx) when a field loses focus, and live
character counts kept on the device. These journeys need JavaScript; the same
forms without it are covered by test_cpd_journeys.py."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import create_engine, text

from app.policy import Policy
from tests.browser.conftest import open_page
from tests.browser.steps import PASSWORD, create_account, sign_out, unique_email
from tests.support.browser import held_soon, settled, start_htmx
from tests.support.records import answers_of
from tests.support.servers import LiveServer

pytestmark = pytest.mark.db

POLICY = Policy()
LEARNED = "What did you learn?"
SAVED = re.compile(r"Draft saved at \d\d:\d\d")


@pytest.fixture
def email() -> str:
    """The address of the person the page fixture signs up: their records are this
    test's, whatever other tests write to the same database."""
    return unique_email("autosave")


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, email: str) -> Iterator[Page]:
    page = open_page(browser, live_server, "javascript")
    create_account(page, email)
    yield page
    page.context.close()


def open_form(page: Page, path: str = "/your-cpd/new/structured") -> None:
    page.goto(path)
    start_htmx(page)


def status(page: Page):
    return page.get_by_role("status").filter(has_text=re.compile(r"\S"))


def test_leaving_a_field_saves_a_draft_and_a_reload_comes_back_to_it(page: Page) -> None:
    open_form(page)
    page.get_by_label("Title").fill("Autosaved on blur")
    page.get_by_label("Title").press("Tab")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    # The address bar now points at the draft.
    expect(page).to_have_url(re.compile(r"/your-cpd/\d+/edit$"))
    # The status already reads "Draft saved at …": wait for this save's own answer.
    with page.expect_response(lambda r: r.url.endswith("/your-cpd/autosave")):
        page.get_by_label(LEARNED).fill("Second field, line one\nline two")
        page.get_by_label(LEARNED).press("Tab")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    page.reload()
    expect(page.get_by_label("Title")).to_have_value("Autosaved on blur")
    expect(page.get_by_label(LEARNED)).to_have_value("Second field, line one\nline two")
    # Only one draft was made, however many fields were saved.
    page.goto("/your-cpd")
    expect(page.get_by_role("heading", name="Autosaved on blur")).to_have_count(1)


def test_htmx_waits_for_someone_to_use_the_page_and_an_answer_given_meanwhile_is_saved(
    browser: Browser, live_server: LiveServer
) -> None:
    # No service worker, so the request for htmx reaches the route below.
    page = open_page(browser, live_server, "javascript", service_workers="block")
    email = unique_email("quick")
    create_account(page, email)
    held: list[Route] = []
    page.route(re.compile(r"/htmx\.esm\.min"), lambda route: held.append(route))
    page.goto("/your-cpd/new/structured")
    # The racing autosave has finished once the network is quiet; a loaded machine took
    # more than 15 s to get there once.
    page.wait_for_load_state("networkidle", timeout=45_000)
    assert held == [] and page.evaluate("() => window.htmx === undefined")

    # Focusing the first field asks for htmx; the answer is given while it is on its way.
    page.get_by_label("Title").fill("Typed before htmx arrived")
    page.get_by_label("Title").press("Tab")
    assert held_soon(page, held, 1) == 1
    assert page.locator("#autosave-status").inner_text() == ""
    assert "Typed before htmx arrived" not in [
        a["title"] for a in answers_of(live_server.database_url, email)
    ]
    held[0].continue_()
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    assert answers_of(live_server.database_url, email)[-1]["title"] == "Typed before htmx arrived"
    page.context.close()


def test_autosave_never_shows_mandatory_errors_and_buttons_save_to_the_same_draft(
    page: Page, live_server: LiveServer, email: str
) -> None:
    open_form(page, "/your-cpd/new/unstructured")
    page.get_by_label("Title").fill("Autosave then record")
    page.get_by_label("Title").press("Tab")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    expect(page.locator(".govuk-error-message")).to_have_count(0)
    page.get_by_label("Describe your CPD and how it meets the CPD standard").fill("Described.")
    group = page.get_by_role("group", name="Date you completed this CPD")
    group.get_by_label("Day").fill("3")
    group.get_by_label("Month").fill("3")
    group.get_by_label("Year").fill("2024")
    page.get_by_label("4.2 Supervision and reflection").check()
    page.get_by_role("button", name="Save and record CPD").click()
    expect(page.get_by_role("heading", name="CPD recorded")).to_be_visible()
    assert [a["title"] for a in answers_of(live_server.database_url, email)].count(
        "Autosave then record"
    ) == 1


def edit_recorded_cpd(page: Page, title: str) -> None:
    """Record unstructured CPD called ``title``, then open it for editing, htmx started."""
    open_form(page, "/your-cpd/new/unstructured")
    page.get_by_label("Title").fill(title)
    group = page.get_by_role("group", name="Date you completed this CPD")
    # Today, so the record is in this registration year (listed on Your CPD) and
    # not in the future, whenever the test runs: a fixed date fell into an earlier
    # year on 1 December 2026 and the record left the Your CPD page.
    today = POLICY.today()
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Describe your CPD and how it meets the CPD standard").fill("Original.")
    page.get_by_label("4.2 Supervision and reflection").check()
    page.get_by_role("button", name="Save and record CPD").click()
    page.get_by_role("link", name="View this CPD").click()
    page.get_by_role("link", name=re.compile("^Edit")).click()
    start_htmx(page)


# On PostgreSQL too: two requests really race here (the autosave and the form), and
# PostgreSQL runs them at once where SQLite takes one writer at a time.
@pytest.mark.postgres_journey
def test_enter_in_a_box_saves_a_draft_of_changes_and_the_racing_autosave_adds_no_other(
    page: Page, live_server: LiveServer
) -> None:
    """Enter does what "Save as draft" does (it never records by accident), and the
    box's change event sends an autosave that races it (same page token): one record,
    still recorded, with one draft of changes holding the new words."""
    edit_recorded_cpd(page, "Recorded, then edited with Enter")
    page.get_by_label("Title").fill("Recorded, edited with Enter")
    page.get_by_label("Title").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/edit$"))
    # The racing autosave has finished once the network is quiet; a loaded machine took
    # more than 15 s to get there once.
    page.wait_for_load_state("networkidle", timeout=45_000)
    page.goto("/your-cpd")
    expect(page.get_by_role("heading", name="Recorded, then edited with Enter")).to_have_count(1)
    expect(page.get_by_text("You have draft changes not saved to the record yet.")).to_have_count(1)
    page.get_by_role("link", name=re.compile(r"^Edit.*Recorded, then edited with Enter")).click()
    expect(page.get_by_label("Title")).to_have_value("Recorded, edited with Enter")


def test_autosaving_recorded_cpd_keeps_it_recorded(page: Page, live_server: LiveServer) -> None:
    edit_recorded_cpd(page, "Recorded then autosaved")
    box = page.get_by_label("Describe your CPD and how it meets the CPD standard")
    box.fill("A pending change.")
    box.press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("Draft of your changes saved at")
    page.goto("/your-cpd")
    expect(page.get_by_text("You have draft changes not saved to the record yet.")).to_be_visible()
    card = page.locator(".govuk-summary-card", has_text="Recorded then autosaved")
    expect(card.get_by_text("Recorded", exact=True)).to_be_visible()


def test_the_count_is_kept_on_the_device_said_once_per_pause_and_warns_over_the_limit(
    page: Page,
) -> None:
    open_form(page)
    count_requests: list[str] = []
    page.on("request", lambda r: count_requests.append(r.url) if "/count/" in r.url else None)
    box = page.get_by_label(LEARNED)
    limit = POLICY.limit("what_you_learned")
    box.press_sequentially("one\ntwo", delay=40)  # a burst of typing with a line break
    counter = page.locator("#what_you_learned-count [aria-hidden=true]")
    expect(counter).to_have_text(f"You have {limit - 7:,} characters remaining", timeout=1500)
    expect(page.locator("#what_you_learned-announce")).to_have_text(
        f"You have {limit - 7:,} characters remaining"
    )
    assert count_requests == []  # counted on the device, by the server's rule

    # Pasting over the limit shows the warning without submitting anything.
    box.fill("p" * (limit + 12))
    expect(counter).to_have_text("You have 12 characters too many", timeout=1500)
    expect(counter).to_have_class(re.compile("govuk-error-message"))
    expect(page.locator("#what_you_learned-announce")).to_have_text(
        "You have 12 characters too many"
    )
    expect(page).to_have_url(re.compile(r"/your-cpd/new/structured$"))


def test_a_stale_autosave_never_overwrites_and_offers_the_comparison(
    page: Page, live_server: LiveServer, email: str
) -> None:
    open_form(page)
    page.get_by_label("Title").fill("Two tabs")
    page.get_by_label("Title").press("Tab")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    edit_url = page.url

    other = page.context.new_page()
    open_form(other, edit_url)
    other.get_by_label(LEARNED).fill("Saved in the other tab")
    other.get_by_label(LEARNED).press("Tab")
    expect(other.locator("#autosave-status")).to_have_text(SAVED)

    page.get_by_label(LEARNED).fill("Typed in the first tab")
    page.get_by_label(LEARNED).press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("This CPD was changed somewhere else")
    assert (
        answers_of(live_server.database_url, email)[-1]["what_you_learned"]
        == "Saved in the other tab"
    )
    page.get_by_role("button", name="Compare the two versions").click()
    expect(page.get_by_role("heading", name="This CPD changed since you opened it")).to_be_visible()
    expect(page.get_by_text("Typed in the first tab")).to_be_visible()
    expect(page.get_by_text("Saved in the other tab")).to_be_visible()
    other.close()


def test_an_autosave_after_the_session_ended_says_so_and_keeps_what_was_saved(
    page: Page, live_server: LiveServer, email: str
) -> None:
    open_form(page)
    page.get_by_label("Title").fill("Before the session ended")
    page.get_by_label("Title").press("Tab")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)

    engine = create_engine(live_server.database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE user_session SET revoked_at = CURRENT_TIMESTAMP"))
    engine.dispose()

    page.get_by_label(LEARNED).fill("After the session ended")
    page.get_by_label(LEARNED).press("Tab")
    status_line = page.locator("#autosave-status")
    expect(status_line).to_contain_text("You have been signed out.")
    expect(status_line).to_contain_text("Your latest changes are kept")
    expect(status_line.get_by_role("link", name="sign in again")).to_have_attribute(
        "href", re.compile(r"/sign-in\?next=/your-cpd/\d+/edit")
    )
    expect(page.get_by_label(LEARNED)).to_have_value("After the session ended")
    assert answers_of(live_server.database_url, email)[-1]["title"] == "Before the session ended"


def test_an_autosave_after_signing_out_in_another_tab_says_signed_out(
    page: Page, live_server: LiveServer, email: str
) -> None:
    """Signing out in another tab ends the browser's session and the CSRF token it held,
    so the next autosave's token matches nothing. It was answered 400 (not saved) and
    the status line said the words were kept on the device until it was back online:
    untrue on a device that is online, and with no way to sign in again (until the
    device's copy was sent again 15 s later, and answered 401)."""
    page.clock.install()  # the 15 s resend never comes: the autosave's own answer counts
    open_form(page)
    page.get_by_label("Title").fill("Before signing out elsewhere")
    page.get_by_label("Title").press("Tab")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    other = page.context.new_page()
    other.goto("/your-cpd")
    sign_out(other)
    other.close()

    page.get_by_label(LEARNED).fill("Typed after signing out elsewhere")
    with page.expect_response("**/your-cpd/autosave") as answer:
        page.get_by_label(LEARNED).press("Tab")
    assert answer.value.status == 401
    status_line = page.locator("#autosave-status")
    expect(status_line).to_contain_text("You have been signed out.")
    expect(status_line.get_by_role("link", name="sign in again")).to_have_attribute(
        "href", re.compile(r"/sign-in\?next=/your-cpd/\d+/edit")
    )
    expect(status_line).not_to_contain_text("back online")
    expect(page.get_by_label(LEARNED)).to_have_value("Typed after signing out elsewhere")


def _hold_autosaves(page: Page) -> None:
    """From now on the page's autosaves are started but never sent: a save still on
    its way (a slow connection, a long answer) for as long as the test likes."""
    page.evaluate(
        """() => {
          const send = XMLHttpRequest.prototype.send
          const open = XMLHttpRequest.prototype.open
          XMLHttpRequest.prototype.open = function (method, url, ...rest) {
            this.heldAutosave = String(url).endsWith('/your-cpd/autosave')
            return open.call(this, method, url, ...rest)
          }
          window.heldAutosaves = []
          XMLHttpRequest.prototype.send = function (body) {
            if (!this.heldAutosave) return send.call(this, body)
            window.heldAutosaves.push(() => send.call(this, body))
          }
        }"""
    )


def test_draft_saved_is_never_shown_while_newer_words_are_still_on_their_way(
    page: Page, live_server: LiveServer, email: str
) -> None:
    """Someone who reads "Draft saved" and leaves must not lose the words they typed
    last: while their autosave is on its way, the line says it is saving, not what
    an earlier save did."""
    open_form(page)
    status = page.locator("#autosave-status")
    page.get_by_label("Title").fill("Saved first")
    page.get_by_label("Title").press("Tab")
    expect(status).to_have_text(SAVED)
    _hold_autosaves(page)
    page.get_by_label(LEARNED).fill("Still on the way")
    page.get_by_label(LEARNED).press("Tab")
    page.wait_for_function("() => window.heldAutosaves.length === 1")
    # Shown, not announced: the answer that follows is what a screen reader says.
    expect(status.locator("[aria-hidden=true]")).to_have_text("Saving your latest changes…")
    expect(status).to_have_text("Saving your latest changes…")
    assert answers_of(live_server.database_url, email)[-1]["what_you_learned"] == ""
    page.evaluate("() => window.heldAutosaves.shift()()")
    expect(status).to_have_text(SAVED)
    assert answers_of(live_server.database_url, email)[-1]["what_you_learned"] == (
        "Still on the way"
    )


def test_words_in_an_autosave_still_on_its_way_are_sent_again_when_the_page_is_left(
    browser: Browser, live_server: LiveServer
) -> None:
    """The browser cuts off a request still being sent when the page goes. On a shared
    computer no copy is kept on the device, so leaving must send the words again."""
    page = open_page(browser, live_server, "javascript")
    email = unique_email("leaving-in-flight")
    create_account(page, email)
    sign_out(page)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("This is a shared or public computer").check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
    open_form(page)
    page.get_by_label("Title").fill("Left while saving")
    page.get_by_label("Title").press("Tab")
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    _hold_autosaves(page)
    page.get_by_label(LEARNED).fill("Sent as the page went")
    page.get_by_label(LEARNED).press("Tab")
    page.wait_for_function("() => window.heldAutosaves.length === 1")
    page.get_by_role("link", name="Your CPD").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CPD")
    learned = settled(
        lambda: [a.get("what_you_learned") for a in answers_of(live_server.database_url, email)],
        lambda found: "Sent as the page went" in found,
        10,
    )
    assert "Sent as the page went" in learned, "the words on their way were lost"
    page.context.close()


def _expect_title_on_the_server(
    live_server: LiveServer, email: str, title: str, seconds: float = 30
) -> None:
    """The request sent as a page goes has no page left to report to: watch the database.
    If the title never arrives, say what the server was sent (its last autosaves)."""
    titles = settled(
        lambda: [a.get("title") for a in answers_of(live_server.database_url, email)],
        lambda found: title in found,
        seconds,
    )
    if title not in titles:
        log = live_server.log_path.read_text(errors="replace").splitlines()
        autosaves = [line for line in log if "/autosave" in line][-5:]
        raise AssertionError(
            f"the answers typed were lost: {title!r} not among {titles}; the server's last"
            " autosaves:\n" + "\n".join(autosaves)
        )


@pytest.mark.parametrize("leave", ["follow a link", "go back", "reload"])
def test_words_typed_in_a_box_that_still_has_the_focus_are_saved_when_the_page_is_left(
    page: Page, live_server: LiveServer, leave: str, email: str
) -> None:
    page.goto("/your-cpd")
    open_form(page)
    title = f"Still in the box when I chose to {leave}"
    page.get_by_label("Title").fill(title)  # no Tab: the box keeps the focus, no autosave
    assert page.locator("#autosave-status").inner_text() == ""
    # leaving.mjs has started and marked the words unsaved (a reload before it started
    # sent nothing, in a clean-clone CI run: the server got no request at all).
    expect(page.locator("#cpd-form")).to_have_attribute("data-unsaved", "true")
    if leave == "follow a link":
        page.get_by_role("link", name="Your CPD").first.click()
    elif leave == "go back":
        page.go_back()
    else:
        page.reload()
    _expect_title_on_the_server(live_server, email, title)

    if leave == "go back":
        page.go_forward()  # the browser puts the words back on the new form
    if leave != "follow a link":
        # Back on the form, it carries on with the draft those words made: more words
        # go to that draft, never to a second one.
        expect(page.get_by_label("Title")).to_have_value(title)
        page.get_by_label("Title").fill(title + ", and more")
        page.get_by_label("Title").press("Tab")
        expect(page.locator("#autosave-status")).to_have_text(SAVED)
        titles = [a["title"] for a in answers_of(live_server.database_url, email)]
        assert title not in titles and titles.count(title + ", and more") == 1
        title += ", and more"
    page.goto("/your-cpd")
    expect(page.get_by_role("heading", name=title)).to_have_count(1)


def test_a_new_form_reached_by_a_link_starts_afresh_after_one_was_left_unsaved(
    page: Page, live_server: LiveServer, email: str
) -> None:
    open_form(page)
    page.get_by_label("Title").fill("Left by the address bar")
    page.goto("/your-cpd")
    _expect_title_on_the_server(live_server, email, "Left by the address bar")
    page.goto("/your-cpd/new/structured")
    expect(page).to_have_url(re.compile(r"/your-cpd/new/structured$"))
    expect(page.get_by_label("Title")).to_have_value("")


def test_words_typed_before_the_page_is_hidden_are_autosaved(
    page: Page, live_server: LiveServer, email: str
) -> None:
    open_form(page)
    page.get_by_label(LEARNED).fill("Typed just before the phone went to sleep")
    # Headless Chromium never hides a page by itself: say so, as the browser would.
    page.evaluate(
        """() => {
          const hidden = { value: 'hidden', configurable: true }
          Object.defineProperty(document, 'visibilityState', hidden)
          document.dispatchEvent(new Event('visibilitychange'))
        }"""
    )
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    stored = answers_of(live_server.database_url, email)[-1]
    assert stored["what_you_learned"] == "Typed just before the phone went to sleep"


@pytest.mark.parametrize("width,height", [(1280, 720), (320, 640)])
def test_draft_saved_is_in_view_while_typing_near_the_top_and_said_once(
    # On a long form the status line sat at the foot of the page, out of view.
    page: Page,
    width: int,
    height: int,
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    open_form(page)
    page.get_by_label("Title").fill("Saved near the top")
    page.get_by_label("Title").press("Tab")  # on to the day box
    status = page.locator("#autosave-status")
    expect(status).to_have_text(SAVED)
    expect(status).to_be_in_viewport()
    # It does not cover the box being typed in.
    day = page.get_by_label("Day").bounding_box()
    shown = status.bounding_box()
    assert day and shown
    assert day["y"] + day["height"] <= shown["y"] or shown["y"] + shown["height"] <= day["y"]
    # One live region says it, so a screen reader hears it once.
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_have_count(1)


def test_a_box_far_over_its_limit_is_autosaved_and_the_no_javascript_save_keeps_it_too(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    """More than Flask reads of one box by default (500 KB): a limit is a rule of
    recording, so the draft keeps it all, with JavaScript and without."""
    long_text = "Reflection without end. " * 30_000
    open_form(page)
    page.get_by_label("Title").fill("Far over the limit")
    # Moving to the box autosaves the title; that save may still be on its way when
    # the long one is sent. Wait for the long one's own answer, not the title's.
    page.get_by_label(LEARNED).fill(long_text)
    with page.expect_response(
        lambda r: (
            r.url.endswith("/your-cpd/autosave")
            and len(r.request.post_data_buffer or b"") > len(long_text)
        )
    ) as sent:
        page.get_by_label(LEARNED).press("Tab")
    assert sent.value.status == 200
    expect(page.locator("#autosave-status")).to_have_text(SAVED)
    page.reload()
    assert page.get_by_label(LEARNED).input_value() == long_text

    plain = open_page(browser, live_server, "no-javascript")
    create_account(plain, unique_email("plain-long"))
    plain.goto("/your-cpd/new/structured")
    plain.get_by_label("Title").fill("Far over the limit, no JavaScript")
    plain.get_by_label(LEARNED).fill(long_text)
    plain.get_by_role("button", name="Save and record CPD").click()
    expect(plain.get_by_role("alert")).to_contain_text(
        "What did you learn? must be 3,000 characters or fewer — you have 720,000"
    )
    assert plain.get_by_label(LEARNED).input_value() == long_text
    plain.context.close()


def test_words_typed_before_the_leaving_save_started_are_saved_when_the_page_is_left(
    browser: Browser, live_server: LiveServer, email: str
) -> None:
    """leaving.mjs is fetched after the page has loaded: on a slow connection someone
    can type before it listens. What they typed is still sent as the page goes. (No
    service worker here: it would serve the module from its cache, past the route.)"""
    page = open_page(browser, live_server, "javascript", service_workers="block")
    create_account(page, email)
    held: list[Route] = []
    page.route("**/static/js/leaving*.mjs*", lambda route: held.append(route))
    open_form(page)
    page.get_by_label("Title").fill("Typed before the page was ready")
    assert held_soon(page, held, 1) == 1
    page.route("**/static/js/leaving*.mjs*", lambda route: route.continue_())
    held.pop().continue_()
    page.wait_for_function("() => document.getElementById('cpd-form').dataset.unsaved === 'true'")
    page.goto("/your-cpd")
    _expect_title_on_the_server(live_server, email, "Typed before the page was ready")
    page.context.close()


@pytest.mark.parametrize("width", [1024, 320])
def test_the_buttons_stay_put_when_the_autosave_answer_arrives(page: Page, width: int) -> None:
    """Someone who types and goes straight for "Save and record CPD" leaves the box as
    they press: the autosave's answer fills the status line above the buttons between
    their press and release. Had the line grown, the button moved from under the
    pointer and the click was lost (the page said nothing and recorded nothing)."""
    page.set_viewport_size({"width": width, "height": 640})
    open_form(page)
    record = page.get_by_role("button", name="Save and record CPD")
    page.get_by_label("Title").fill("Pressed Save straight away")
    where = "(button) => button.getBoundingClientRect().top + window.scrollY"  # on the page
    before = record.evaluate(where)
    page.get_by_label("Title").press("Tab")
    expect(status(page)).to_contain_text("Draft saved at")
    assert record.evaluate(where) == before


def press_save_changes_as_the_autosave_answers(page: Page, width: int, title: str) -> dict:
    """Edit recorded CPD called ``title`` and press "Save changes" straight after, holding
    the press until the autosave sent as the box lost its focus has answered; returns
    where the button was when pressed."""
    page.set_viewport_size({"width": width, "height": 640})
    edit_recorded_cpd(page, title)
    box = page.get_by_label("Describe your CPD and how it meets the CPD standard")
    box.fill(f"A change made just before saving it: {title}.")
    button = page.get_by_role("button", name="Save changes")
    button.scroll_into_view_if_needed()
    where = button.bounding_box()
    assert where is not None
    page.mouse.move(where["x"] + where["width"] / 2, where["y"] + where["height"] / 2)
    line = page.locator("#autosave-status")
    height = "(line) => line.getBoundingClientRect().height"
    before = line.evaluate(height)
    page.mouse.down()  # the box loses its focus, so its autosave is sent
    expect(line).to_contain_text("Draft of your changes saved at")
    # Not a pixel either way while pressed (a line held shorter than it was moved the
    # button up instead). The button's own place moves 2 px as GOV.UK shows a press.
    assert line.evaluate(height) == before
    return where


@pytest.mark.parametrize("width", [1024, 320])
def test_a_press_on_save_changes_is_not_lost_to_a_longer_autosave_answer(
    page: Page, width: int
) -> None:
    """The status line keeps one line's room, but some answers are longer: the draft of
    changes to recorded CPD takes two lines on a wide screen and more on a phone, and a
    problem longer still. Someone who edits and goes straight for "Save changes" leaves
    the box as they press; if that autosave's answer grew the line before they let go,
    the button moved from under the pointer and the press did nothing."""
    press_save_changes_as_the_autosave_answers(page, width, f"Pressed Save at {width} px")
    page.mouse.up()
    expect(page.get_by_role("heading", name="CPD recorded")).to_be_visible()


def test_a_press_let_go_elsewhere_leaves_the_status_line_its_whole_message(page: Page) -> None:
    """The line is held only while the press lasts: let go away from the button (no
    click), it grows to show the whole of the longer answer."""
    where = press_save_changes_as_the_autosave_answers(page, 320, "Let go elsewhere")
    page.mouse.move(where["x"] + where["width"] / 2, where["y"] - 200)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"/edit$"))  # nothing was clicked
    page.wait_for_function(
        "() => !document.getElementById('autosave-status').hasAttribute('style')"
    )
    line = page.locator("#autosave-status")
    whole = line.evaluate("(line) => line.scrollHeight <= line.clientHeight")
    assert whole, "the status line still cuts its message short"
