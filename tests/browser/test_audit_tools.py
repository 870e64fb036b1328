"""The audit tools every page test leans on can fail: axe (injected once a page, run
at each look) reports a violation, and the Nu HTML Checker (a service started once a
test process) reports an error, each in words that name it."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.support.audit import axe_violations, validate_html

BROKEN = (
    '<!doctype html><html lang="en"><head><title>Broken</title></head>'
    '<body><main><h1>Broken</h1><img src="/x.png"><div><p>Not closed</p></main></body></html>'
)
VALID = (
    '<!doctype html><html lang="en"><head><title>Fine</title></head>'
    '<body><main><h1>Fine</h1><img src="/x.png" alt="A kettle"><p>Closed</p></main></body></html>'
)


def test_axe_reports_an_image_without_a_text_alternative_at_every_look(page: Page):
    page.set_content(BROKEN)
    first = axe_violations(page)
    page.set_viewport_size({"width": 320, "height": 640})
    second = axe_violations(page)
    assert [v.split(":")[0] for v in first] == ["image-alt"], first
    assert second == first


def test_axe_reports_nothing_on_an_accessible_page(page: Page):
    page.set_content(VALID)
    assert axe_violations(page) == []


def test_the_html_checker_names_the_page_line_and_error():
    errors = validate_html({"broken": BROKEN, "valid": VALID}, "audit-tools")
    assert errors, "an unclosed <div> must be an error"
    assert all(error.startswith("broken.html:1: ") for error in errors), errors
    assert any("Unclosed element “div”" in error for error in errors), errors
