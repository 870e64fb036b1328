"""Checks every fetched page must pass: the habits of a well-made GOV.UK page."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

SERVICE_SUFFIX = " – Record CPD"


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.h1_count = 0
        self.title = ""
        self._in_title = False
        self.inline_scripts_without_nonce = 0
        self.scripts_not_modules: list[str] = []
        self.inline_styles = 0
        self.has_error_summary = False
        self.maxlength_fields = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "id" in attributes and attributes["id"]:
            self.ids.append(attributes["id"])
        if "style" in attributes:
            self.inline_styles += 1
        if "maxlength" in attributes:
            self.maxlength_fields += 1
        if tag == "h1":
            self.h1_count += 1
        if tag == "title":
            self._in_title = True
        if tag == "style" and "nonce" not in attributes:
            self.inline_styles += 1
        if tag == "script":
            if "src" not in attributes and "nonce" not in attributes:
                self.inline_scripts_without_nonce += 1
            if "src" in attributes and attributes.get("type") != "module":
                self.scripts_not_modules.append(attributes["src"] or "")
        if "govuk-error-summary" in (attributes.get("class") or "").split():
            self.has_error_summary = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


# Our own markup escaped twice, so the page shows it as text (a tag built by joining
# strings around an escaped value is escaped whole).
ESCAPED_MARKUP = re.compile(r"&lt;/?(?:span|p|a|strong|div|br)\b[^&]{0,60}(?:&gt;|class=)")


def page_problems(html: str) -> list[str]:
    """Everything wrong with a page, as sentences (an empty list when all is well)."""
    parser = _PageParser()
    parser.feed(html)
    problems = []
    title = " ".join(parser.title.split())
    if parser.h1_count != 1:
        problems.append(f"has {parser.h1_count} <h1> elements, not 1")
    duplicates = [i for i, n in Counter(parser.ids).items() if n > 1]
    if duplicates:
        problems.append(f"repeats ids {duplicates}")
    if not title.endswith(SERVICE_SUFFIX) or title == SERVICE_SUFFIX.strip(" –"):
        problems.append(f"title {title!r} is not 'Page name – Record CPD'")
    if parser.has_error_summary != title.startswith("Error: "):
        problems.append(f"title {title!r} and the error summary disagree")
    if parser.inline_scripts_without_nonce:
        problems.append("has an inline script without a nonce")
    if parser.scripts_not_modules:
        problems.append(f"loads classic scripts {parser.scripts_not_modules}")
    if parser.inline_styles:
        problems.append("has inline styles")
    if parser.maxlength_fields:
        problems.append("uses maxlength (people must be able to paste and then cut down)")
    escaped = ESCAPED_MARKUP.search(html)
    if escaped:
        problems.append(f"shows its own markup as text: {escaped.group(0)!r}")
    return problems


def page_title(html: str) -> str:
    parser = _PageParser()
    parser.feed(html)
    return " ".join(parser.title.split())
