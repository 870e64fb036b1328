"""Supporting documents and the anonymisation help in Chromium, each journey with
JavaScript (upload on selection, progress, warnings on leaving a box) and without
(the file goes with the form; warnings come back with the saved form)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_mode, open_page
from tests.browser.steps import create_account, unique_email
from tests.support import sample_files
from tests.support.browser import htmx_done, start_htmx
from tests.support.servers import LiveServer

pytestmark = pytest.mark.db

DOCUMENTS = "Supporting documents (optional)"
LEARNED = "What did you learn?"
PDF_BYTES = sample_files.pdf("Certificate of attendance: safeguarding adults")
DOCX_BYTES = sample_files.docx("Workplace development review 2026\nGoals for the year")


def file(name: str, data: bytes, mime: str = "application/octet-stream") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def scripted(page: Page) -> bool:
    return bool(page.evaluate("() => document.body.classList.contains('js-enabled')"))


def open_form(page: Page, form: str = "structured") -> None:
    page.goto(f"/your-cpd/new/{form}")
    if scripted(page):
        start_htmx(page)
        start_upload_progress(page)


def start_upload_progress(page: Page) -> None:
    """static/js/uploads.mjs, as app.mjs starts it (idempotent if app.mjs already has)."""
    page.evaluate("() => import('/static/js/uploads.mjs').then((m) => m.startUploads())")


def choose(page: Page, *files: dict) -> None:
    """Choose files; with JavaScript they upload at once, so wait for the answer."""
    field = page.get_by_label(DOCUMENTS)
    field.focus()  # as after choosing with the keyboard or a click
    if scripted(page):
        # Up to a minute: a 10 MB file read, checked and answered took over 15 s with two
        # test workers on a loaded machine. The wait ends as soon as the answer is back.
        with page.expect_response(
            lambda r: r.url.endswith("/your-cpd/documents"), timeout=60_000
        ) as sent:
            field.set_input_files(list(files))
        assert sent.value.status == 200, sent.value.text()
        # The answer replaces the documents section (this file input too): the next
        # choice must go to the new input once htmx listens to it, or it is not sent.
        htmx_done(page)
    else:
        field.set_input_files(list(files))


def save_as_draft_without_javascript(page: Page) -> None:
    """Without JavaScript the files go with the form."""
    if not scripted(page):
        page.get_by_role("button", name="Save as draft").click()


def fill_basics(page: Page, title: str) -> None:
    page.get_by_label("Title").fill(title)
    group = page.get_by_role("group", name="Date you completed this CPD")
    group.get_by_label("Day").fill("2")
    group.get_by_label("Month").fill("3")
    group.get_by_label("Year").fill("2026")
    page.get_by_role("radio", name="Course, training or e-learning").check()
    page.get_by_label("What did you do, and why is it relevant to your practice?").fill(
        "A day course on adult safeguarding."
    )
    page.get_by_label(LEARNED).fill("How to make a safeguarding enquiry proportionate.")
    page.get_by_label("How has it changed, or how will it change, your practice?").fill(
        "I check consent first."
    )
    page.get_by_label("4.3 Research, theories and frameworks").check()


def documents_list(page: Page):
    return page.get_by_role("list", name="Documents added to this CPD")


def test_upload_a_pdf_and_a_word_file_download_and_remove(
    journey: Page, mode: str, tmp_path: Path, browser: Browser, live_server: LiveServer
) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("documents"))
    open_form(journey)
    # The rules are stated before a file is chosen.
    expect(
        journey.get_by_text(
            "You can add up to 10 documents to a CPD record, each a PDF, Word, OpenDocument, "
            "text, JPG or PNG file no larger than 10 MB."
        )
    ).to_be_visible()
    autosaves: list = []
    journey.on(
        "request", lambda r: autosaves.append(r) if r.url.endswith("/your-cpd/autosave") else None
    )
    fill_basics(journey, "Safeguarding adults refresher")
    start_url = journey.url
    choose(
        journey,
        file("certificate.pdf", PDF_BYTES, "application/pdf"),
        file("review.docx", DOCX_BYTES),
    )
    save_as_draft_without_javascript(journey)

    listed = documents_list(journey)
    expect(listed.get_by_role("link", name="certificate.pdf")).to_be_visible()
    expect(listed.get_by_role("link", name="review.docx")).to_be_visible()
    expect(listed.get_by_text("Word document, ")).to_be_visible()
    if mode == "javascript":
        # Listed without leaving the page; the address now points at the draft.
        expect(journey.locator("#documents-status")).to_have_text(
            "certificate.pdf is added. review.docx is added."
        )
        assert re.search(r"/your-cpd/\d+/edit$", journey.url), (start_url, journey.url)
        expect(journey.get_by_label(DOCUMENTS)).to_be_focused()
    else:
        expect(journey.get_by_text("certificate.pdf, review.docx are added.")).to_be_visible()
    # Nothing typed was lost on the way.
    expect(journey.get_by_label(LEARNED)).to_have_value(
        "How to make a safeguarding enquiry proportionate."
    )

    # Download: the same bytes, as an attachment with its name.
    with journey.expect_download() as downloading:
        listed.get_by_role("link", name="certificate.pdf").click()
    download = downloading.value
    assert download.suggested_filename == "certificate.pdf"
    saved = tmp_path / "certificate.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF_BYTES
    download_path = listed.get_by_role("link", name="certificate.pdf").get_attribute("href")

    # Someone else gets "not found".
    other = open_page(browser, live_server, mode)
    create_account(other, unique_email("other"))
    assert other.request.get(download_path).status == 404
    other.context.close()

    # Remove the Word file: the rest stays, and the history still shows it.
    journey.get_by_role("button", name="Remove review.docx").click()
    expect(listed.get_by_role("link", name="review.docx")).to_have_count(0)
    expect(listed.get_by_role("link", name="certificate.pdf")).to_be_visible()
    if mode == "javascript":
        expect(journey.locator("#documents-status")).to_have_text("review.docx is removed.")
        expect(journey.get_by_label(DOCUMENTS)).to_be_focused()
    else:
        expect(journey.get_by_text("review.docx is removed.")).to_be_visible()
    expect(journey.get_by_label(LEARNED)).to_have_value(
        "How to make a safeguarding enquiry proportionate."
    )

    journey.get_by_role("button", name="Save and record CPD").click()
    expect(journey.get_by_role("heading", name="CPD recorded")).to_be_visible()
    # Autosave ran on leaving boxes, and never sent a file.
    assert (len(autosaves) > 0) == (mode == "javascript")
    assert not any(b'filename="' in (r.post_data_buffer or b"") for r in autosaves)
    journey.get_by_role("link", name="View this CPD").click()
    expect(journey.get_by_role("link", name="certificate.pdf")).to_be_visible()
    expect(journey.get_by_role("link", name="review.docx")).to_have_count(0)
    journey.get_by_role("link", name="See every saved version").click()
    expect(journey.get_by_role("link", name="review.docx").first).to_be_visible()


def test_refused_files_are_named_and_nothing_else_is_lost(journey: Page, mode: str) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("refused"))
    open_form(journey)
    fill_basics(journey, "Refusals")
    error = journey.locator("#documents-error")

    # A renamed executable.
    choose(journey, file("report.pdf", sample_files.EXECUTABLE, "application/pdf"))
    if mode == "no-javascript":
        journey.get_by_role("button", name="Save and record CPD").click()
        expect(journey).to_have_title(re.compile(r"^Error: "))
        expect(
            journey.get_by_role("alert").get_by_role(
                "link", name="report.pdf is not a PDF, Word, OpenDocument, text, JPG or PNG file"
            )
        ).to_be_visible()
    expect(error).to_contain_text(
        "report.pdf is not a PDF, Word, OpenDocument, text, JPG or PNG file"
    )
    expect(journey.get_by_label("Title")).to_have_value("Refusals")
    expect(journey.get_by_label(LEARNED)).to_have_value(
        "How to make a safeguarding enquiry proportionate."
    )
    expect(journey.get_by_label("4.3 Research, theories and frameworks")).to_be_checked()

    # Just over the size limit.
    choose(journey, file("scan.pdf", b"%PDF-1.4\n" + bytes(10 * 1024 * 1024)))
    save_as_draft_without_javascript(journey)
    expect(error).to_contain_text("scan.pdf is larger than 10 MB")
    expect(journey.get_by_label(LEARNED)).to_have_value(
        "How to make a safeguarding enquiry proportionate."
    )

    # Too many: the eleventh is refused, the ten are kept.
    choose(journey, *(file(f"note-{n}.txt", f"Note {n}\n".encode()) for n in range(11)))
    save_as_draft_without_javascript(journey)
    expect(error).to_contain_text(
        "note-10.txt was not added: a CPD record can have up to 10 documents"
    )
    expect(documents_list(journey).get_by_role("listitem")).to_have_count(10)
    expect(journey.get_by_text("This CPD has 10 documents, the most it can have.")).to_be_visible()
    expect(journey.get_by_label("Title")).to_have_value("Refusals")


def test_the_anonymisation_warning_for_text_and_for_a_document(journey: Page, mode: str) -> None:
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("anonymised"))
    open_form(journey, "unstructured")
    journey.get_by_label("Title").fill("Supervision notes")
    group = journey.get_by_role("group", name="Date you completed this CPD")
    group.get_by_label("Day").fill("2")
    group.get_by_label("Month").fill("3")
    group.get_by_label("Year").fill("2026")
    journey.get_by_label("4.2 Supervision and reflection").check()
    describe = journey.get_by_label("Describe your CPD and how it meets the CPD standard")
    describe.fill("We discussed my work with Mrs Okonkwo and her carer.")
    if mode == "javascript":
        describe.press("Tab")
        warning = journey.locator("#description-identifiers")
        expect(warning).to_contain_text(
            "Describe your CPD and how it meets the CPD standard may identify a person"
        )
        expect(warning).to_contain_text("a name after a title (Mrs O")
        expect(warning).not_to_contain_text("Okonkwo")
    choose(journey, file("notes.txt", b"Call the family on 07700 900123 before the review.\n"))
    save_as_draft_without_javascript(journey)
    item = documents_list(journey).get_by_role("listitem")
    expect(item).to_contain_text("notes.txt may identify a person: it looks like it has a phone")
    expect(item).not_to_contain_text("900123")
    if mode == "no-javascript":
        expect(journey.locator("#description-identifiers")).to_contain_text("may identify a person")

    # Recording asks for the confirmation, and the explanation; nothing is lost.
    journey.get_by_label("How does this document show the CPD standard? (notes.txt)").fill(
        "My supervision notes: they show how I reflect (4.2)."
    )
    journey.get_by_role("button", name="Save and record CPD").click()
    alert = journey.get_by_role("alert")
    expect(
        alert.get_by_role(
            "link",
            name="Confirm you have checked that this CPD contains nothing that could "
            "identify a person",
        )
    ).to_be_visible()
    expect(describe).to_have_value("We discussed my work with Mrs Okonkwo and her carer.")
    describe.fill("We discussed my work with a person I support and their carer.")
    journey.get_by_label(
        "I have checked: this CPD contains nothing that could identify a person"
    ).check()
    journey.get_by_role("button", name="Save and record CPD").click()
    expect(journey.get_by_role("heading", name="CPD recorded")).to_be_visible()


OTHER_BOX = "If you chose other, what type of activity was it?"


@pytest.mark.parametrize("box", ["Title", "Day", OTHER_BOX])
def test_enter_in_a_box_saves_a_draft_and_removes_no_document(
    journey: Page, mode: str, box: str
) -> None:
    """The first submit button in a form is what Enter presses: it must be "Save as
    draft", never the first document's Remove."""
    journey.goto("/")
    assert_mode(journey, mode)
    create_account(journey, unique_email("enter"))
    open_form(journey)
    journey.get_by_label("Title").fill("Pressed Enter")
    journey.get_by_role("radio", name="Other").check()
    choose(journey, file("certificate.pdf", PDF_BYTES, "application/pdf"))
    save_as_draft_without_javascript(journey)
    expect(documents_list(journey).get_by_role("link", name="certificate.pdf")).to_be_visible()
    journey.get_by_label("Title").fill("Pressed Enter, then saved")
    target = (
        journey.get_by_role("group", name="Date you completed this CPD").get_by_label(box)
        if box == "Day"
        else journey.get_by_label(box, exact=True)
    )
    target.fill("2" if box == "Day" else "Shadowing" if box == OTHER_BOX else target.input_value())
    target.press("Enter")

    # What "Save as draft" does: the draft is saved, the document is still there.
    expect(journey.get_by_text("is saved as a draft")).to_be_visible()
    expect(journey.get_by_text("certificate.pdf is removed")).to_have_count(0)
    journey.get_by_role("link", name=re.compile(r"^View.*Pressed Enter, then saved")).click()
    expect(journey.get_by_role("link", name="certificate.pdf")).to_be_visible()


def test_choosing_a_document_by_keyboard_moves_focus_to_the_box_it_now_needs(
    browser: Browser, live_server: LiveServer
) -> None:
    """The new required box appears above the file input: focus used to stay below it,
    and recording then failed on the missing explanation."""
    page = open_page(browser, live_server, "javascript")
    create_account(page, unique_email("doc-focus"))
    open_form(page, "unstructured")
    choose(
        page, file("supervision-notes.txt", b"Notes from supervision, anonymised.", "text/plain")
    )
    needed = page.get_by_label(
        "How does this document show the CPD standard? (supervision-notes.txt)"
    )
    expect(needed).to_be_focused()
    expect(page.locator("#documents-status")).to_contain_text("supervision-notes.txt")
    page.keyboard.type("It records reflective supervision (4.2).")
    expect(needed).to_have_value("It records reflective supervision (4.2).")
    page.context.close()
