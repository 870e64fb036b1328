"""The anonymisation help on the CPD forms: which answers and documents may identify a
person (app.anonymisation finds the likely identifiers), and the confirmation that
recording CPD with open findings asks for. Drafts are never blocked by it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.anonymisation import describe, find_identifiers
from app.cpd import rules
from app.cpd.models import CpdDocument
from app.uploads.extraction import NOT_READ_BECAUSE

CONFIRM_FIELD = "anonymised_confirmed"
CONFIRM_LABEL = "I have checked: this CPD contains nothing that could identify a person"
CONFIRM_MISSING = (
    "Confirm you have checked that this CPD contains nothing that could identify a person"
)

EXPLANATION_FIELD = re.compile(r"document_explanation_(\d+)")


def explanation_field(document_id: int | None) -> str:
    return f"document_explanation_{document_id}"


def text_fields(form_type: str) -> tuple[str, ...]:
    """The typed answers checked on this form (the date and choices cannot identify)."""
    return rules.LIMITED[form_type]


def is_checked_field(name: str) -> bool:
    return any(q.limited and q.name == name for q in rules.QUESTIONS_IN_ORDER) or bool(
        EXPLANATION_FIELD.fullmatch(name)
    )


def findings_in(text: str | None) -> list[str]:
    """Each likely identifier in ``text`` as warning wording with a masked snippet,
    e.g. "an email address (j•••@e•••.com)"."""
    return [describe(finding) for finding in find_identifiers(rules.normalise_text(text))]


@dataclass(frozen=True)
class Warning:
    target: str  # the id of the box or document the warning is about
    name: str  # the question or the document's name
    findings: list[str]
    # Why a document's text could not be checked ("" when it was): never shown as clean.
    not_checked: str = ""


def document_findings(document: CpdDocument) -> list[str]:
    return [f"{item['description']} ({item['masked']})" for item in document.findings]


def warnings_for(
    answers: Mapping[str, Any],
    form_type: str,
    documents: Sequence[tuple[CpdDocument, str]] = (),
) -> list[Warning]:
    """Every answer, explanation and document that may identify a person, in page order."""
    warnings: list[Warning] = []
    for name in text_fields(form_type):
        found = findings_in(str(answers.get(name) or ""))
        if found:
            warnings.append(Warning(name, rules.QUESTIONS[name], found))
    for document, explanation in documents:
        found = document_findings(document)
        not_checked = NOT_READ_BECAUSE.get(document.text_status, "")
        if found or not_checked:
            warnings.append(
                Warning(f"document-{document.id}", document.filename, found, not_checked)
            )
        found = findings_in(explanation)
        if found:
            warnings.append(
                Warning(
                    explanation_field(document.id),
                    f"How {document.filename} shows the CPD standard",
                    found,
                )
            )
    return warnings


def confirmation_problem(warnings: Sequence[Warning], form: Mapping[str, Any]) -> dict[str, str]:
    """Recording with open findings needs the confirmation ticked."""
    if warnings and form.get(CONFIRM_FIELD) != "yes":
        return {CONFIRM_FIELD: CONFIRM_MISSING}
    return {}
