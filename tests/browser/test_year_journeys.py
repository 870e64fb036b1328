"""The registrant's year in Chromium, each journey with JavaScript and without: ready to
renew, choosing reminders and unsubscribing, printing, downloading and importing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_mode
from tests.browser.steps import create_account, sign_out, unique_email
from tests.browser.test_cpd_journeys import fill_date, heading, open_your_cpd, today
from tests.support.audit import ARTIFACTS
from tests.support.screenshots import keep_screenshot
from tests.support.servers import ROOT, LiveServer, SmtpServer

SCREENSHOTS = ARTIFACTS / "screenshots"

pytestmark = pytest.mark.db


def record_structured_cpd(page: Page, title: str) -> None:
    page.get_by_label("Title").fill(title)
    fill_date(page, today())
    page.get_by_role("radio", name="Course, training or e-learning").check()
    page.get_by_label("What did you do, and why is it relevant to your practice?").fill(
        "A half-day course on assessing capacity."
    )
    page.get_by_label("What did you learn?").fill("Capacity is decision-specific.")
    page.get_by_label("How has it changed, or how will it change, your practice?").fill(
        "I record each decision separately."
    )
    page.get_by_label("4.3 Research, theories and frameworks").check()
    page.get_by_role("button", name="Save and record CPD").click()
    expect(page.get_by_role("heading", name="CPD recorded")).to_be_visible()


def test_your_cpd_says_what_to_do_until_the_person_is_ready_to_renew(
    journey: Page, mode: str
) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("renew"))
    open_your_cpd(journey)
    statement = journey.get_by_role("region", name="Not ready to renew yet")
    # The banner's title is its one heading; the statement under it is text (issue 23).
    expect(statement.get_by_text("You are not ready to renew yet")).to_be_visible()
    expect(statement.get_by_text("Record 1 more piece of CPD, completed between")).to_be_visible()
    expect(journey.locator("#renewal-window")).to_contain_text("renewal window")

    statement.get_by_role("link", name="Use the structured form").click()
    expect(heading(journey)).to_have_text("Record CPD using the structured form")
    record_structured_cpd(journey, "Capacity assessment course")
    journey.get_by_role("link", name="Go to Your CPD").click()
    ready = journey.get_by_role("region", name="Ready to renew")
    expect(ready.get_by_text("You are ready to renew your registration")).to_be_visible()
    expect(ready.get_by_text("You have recorded 1 piece of CPD completed")).to_be_visible()


def run_reminders(live_server: LiveServer, smtp_server: SmtpServer, today: str) -> None:
    """The daily command, run against the live server's database as cron would."""
    env = {
        **os.environ,
        "RECORD_CPD_CONFIG": "test",
        "DATABASE_URL": live_server.database_url,
        "SECRET_KEY": "live-test-secret-key",
        "MAIL_BACKEND": "smtp",
        "MAIL_PORT": str(smtp_server.port),
    }
    flask = Path(sys.executable).parent / "flask"
    subprocess.run(
        [str(flask), "--app", "wsgi", "send-reminders", "--today", today],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_choosing_reminders_and_unsubscribing_from_an_email(
    journey: Page, mode: str, live_server: LiveServer, smtp_server: SmtpServer
) -> None:
    email = unique_email("reminders")
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, email)
    journey.get_by_role("link", name="Choose which email reminders you get").click()
    choices = journey.get_by_role("group", name="Which email reminders do you want?")
    drafts = choices.get_by_label("When a draft has not been changed for a while")
    expect(drafts).to_be_checked()
    drafts.uncheck()
    journey.get_by_role("button", name="Save reminder choices").click()
    expect(journey.get_by_text("Your reminder choices have been saved")).to_be_visible()
    journey.get_by_role("link", name="Choose which email reminders you get").click()
    expect(drafts).not_to_be_checked()
    expect(choices.get_by_label("When the renewal window opens")).to_be_checked()

    run_reminders(live_server, smtp_server, "2026-09-01")
    message = smtp_server.catcher.wait_for(email, "The renewal window is open")
    assert message["Subject"] == "The renewal window is open"
    link = re.search(r"<https?://[^/]+(/unsubscribe/[^>]+)>", message["List-Unsubscribe"])
    assert link, message["List-Unsubscribe"]
    journey.goto(link.group(1))
    expect(heading(journey)).to_have_text("Stop these reminders?")
    journey.get_by_role("button", name="Stop these reminders").click()
    expect(journey.get_by_role("heading", name="Reminders stopped")).to_be_visible()
    journey.goto("/account/reminders")
    expect(choices.get_by_label("When the renewal window opens")).not_to_be_checked()
    expect(choices.get_by_label("When the renewal window is closing")).to_be_checked()


# On PostgreSQL too: the import is one transaction of many rows (records, documents)
# that must all land or none, and the year listing and printing read them back.
@pytest.mark.postgres_journey
def test_print_download_and_import_into_another_account(
    journey: Page, mode: str, tmp_path: Path
) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("keep"))
    open_your_cpd(journey)
    journey.get_by_role("link", name="Record CPD using the structured form").click()
    record_structured_cpd(journey, "Printed and kept")
    journey.get_by_role("link", name="View this CPD").click()

    journey.get_by_role("link", name="Print Printed and kept").click()
    expect(heading(journey)).to_have_text("Your CPD to print")
    expect(journey.get_by_text("Capacity is decision-specific.")).to_be_visible()
    expect(journey.get_by_text("Drawing on research, theories and frameworks")).to_be_visible()
    journey.emulate_media(media="print")
    expect(journey.get_by_role("link", name="Your CPD")).to_be_hidden()
    expect(journey.get_by_role("heading", name="Printed and kept")).to_be_visible()
    keep_screenshot(journey, SCREENSHOTS / f"print-record-{mode}-print.png", full_page=True)
    journey.emulate_media(media="screen")

    open_your_cpd(journey)
    journey.get_by_role("link", name="Print your recorded CPD for").first.click()
    expect(heading(journey)).to_contain_text("Your CPD for")
    expect(journey.get_by_role("heading", name="Printed and kept")).to_be_visible()

    open_your_cpd(journey)
    with journey.expect_download() as downloaded:
        journey.get_by_role("link", name="Download all your CPD").click()
    saved = tmp_path / downloaded.value.suggested_filename
    downloaded.value.save_as(saved)
    assert saved.suffix == ".zip"

    sign_out(journey)
    create_account(journey, unique_email("keep-again"))
    open_your_cpd(journey)
    expect(journey.get_by_text("You are not ready to renew yet")).to_be_visible()
    journey.get_by_role("link", name="Import CPD from a downloaded file").click()
    expect(heading(journey)).to_have_text("Import CPD")
    journey.get_by_role("button", name="Import CPD").click()
    expect(journey).to_have_title(re.compile(r"^Error: Import CPD"))
    expect(journey.get_by_role("alert")).to_contain_text("Select the ZIP file you downloaded")
    journey.get_by_label("ZIP file of your CPD").set_input_files(str(saved))
    journey.get_by_role("button", name="Import CPD").click()
    expect(journey.get_by_role("heading", name="CPD imported")).to_be_visible()
    expect(journey.get_by_text("1 record and 0 documents added")).to_be_visible()
    journey.get_by_role("link", name="Go to Your CPD").click()
    expect(journey.get_by_text("You are ready to renew your registration")).to_be_visible()
    expect(journey.get_by_role("heading", name="Printed and kept")).to_be_visible()
