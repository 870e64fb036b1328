"""The anonymisation help on the CPD forms: which answers and documents may identify a
person (app.anonymisation finds the likely identifiers), and the confirmation that
recording CPD with open findings asks for. Drafts are never blocked by it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app import questions
from app.anonymisation import describe, describe_parts, find_identifiers
from app.cpd import rules
from app.records.models import CpdDocument
from app.uploads.extraction import NOT_READ_BECAUSE

CONFIRM_FIELD = "anonymised_confirmed"
CONFIRM_LABEL = "I have checked: this CPD contains nothing that could identify a person"
CONFIRM_MISSING = (
    "Confirm you have checked that this CPD contains nothing that could identify a person"
)

EXPLANATION_FIELD = re.compile(r"document_explanation_(\d+)")

# Names the person has confirmed are not real people (a made-up name, a theorist the
# list does not know): kept in the record's answers, so the check stops asking about them
# for this record. Bounded like everything posted.
NOT_PEOPLE_FIELD = "not_people"
MAX_NOT_PEOPLE = 50
MAX_NAME_CHARACTERS = 100
# The findings a person can answer "this is not a real person" to.
NAME_KINDS = frozenset({"person_name", "family_name"})


def not_people_from_form(form: Any) -> list[str]:
    """The confirmed names a form posted: each once, in order, within the bounds."""
    names: list[str] = []
    for raw in form.getlist(NOT_PEOPLE_FIELD):
        name = " ".join(str(raw).split())[:MAX_NAME_CHARACTERS]
        if name and name not in names and len(names) < MAX_NOT_PEOPLE:
            names.append(name)
    return names


def not_people_in(answers: Mapping[str, Any]) -> list[str]:
    value = answers.get(NOT_PEOPLE_FIELD) or []
    return [str(name) for name in value] if isinstance(value, list) else []


def explanation_field(document_id: int | None) -> str:
    return f"document_explanation_{document_id}"


def text_fields(form_type: str) -> tuple[str, ...]:
    """The typed answers checked on this form (the date and choices cannot identify)."""
    return questions.checked_for_identifiers(form_type)


def is_checked_field(name: str) -> bool:
    return any(q.checked_for_identifiers and q.name == name for q in questions.QUESTIONS) or bool(
        EXPLANATION_FIELD.fullmatch(name)
    )


def findings_in(text: str | None, not_people: Sequence[str] = ()) -> list[str]:
    """Each likely identifier in ``text`` as warning wording: what was found and why,
    e.g. "an email address (j•••@e•••.com)" or "‘Amira’ may be a person's name"."""
    found = find_identifiers(rules.normalise_text(text), not_people=not_people)
    return [describe(f) for f in found]


def about_people(finding: str) -> bool:
    """Whether a finding's wording is a person or place (said whole, "‘Amira’ may be a
    person's name"), rather than a structured identifier the warning introduces with
    "it looks like it has" ("a postcode (S1 •••)")."""
    return finding.startswith("‘")


def names_in(text: str | None, not_people: Sequence[str] = ()) -> list[str]:
    """The names in ``text`` a person may confirm are not real people."""
    found = find_identifiers(rules.normalise_text(text), not_people=not_people)
    return _unique(f.masked for f in found if f.kind in NAME_KINDS)


def _unique(names: Any) -> list[str]:
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Warning:
    target: str  # the id of the box or document the warning is about
    name: str  # the question or the document's name
    findings: list[str]
    # Why a document's text could not be checked ("" when it was): never shown as clean.
    not_checked: str = ""
    # The names among the findings, each with a box "‘Amira’ is not a real person".
    names: list[str] = field(default_factory=list)


def document_findings(document: CpdDocument, not_people: Sequence[str] = ()) -> list[str]:
    return [
        describe_parts(item.get("kind", ""), item["masked"], item["description"])
        for item in document.findings
        if not (item.get("kind") in NAME_KINDS and item["masked"] in not_people)
    ]


def document_names(document: CpdDocument, not_people: Sequence[str] = ()) -> list[str]:
    return _unique(
        item["masked"]
        for item in document.findings
        if item.get("kind") in NAME_KINDS and item["masked"] not in not_people
    )


def warnings_for(
    answers: Mapping[str, Any],
    form_type: str,
    documents: Sequence[tuple[CpdDocument, str]] = (),
) -> list[Warning]:
    """Every answer, explanation and document that may identify a person, in page order."""
    warnings: list[Warning] = []
    confirmed = not_people_in(answers)
    for name in text_fields(form_type):
        text = str(answers.get(name) or "")
        found = findings_in(text, confirmed)
        if found:
            warnings.append(
                Warning(name, questions.label(name), found, names=names_in(text, confirmed))
            )
    for document, explanation in documents:
        found = document_findings(document, confirmed)
        not_checked = NOT_READ_BECAUSE.get(document.text_status, "")
        if found or not_checked:
            warnings.append(
                Warning(
                    f"document-{document.id}",
                    document.filename,
                    found,
                    not_checked,
                    names=document_names(document, confirmed),
                )
            )
        found = findings_in(explanation, confirmed)
        if found:
            warnings.append(
                Warning(
                    explanation_field(document.id),
                    f"How {document.filename} shows the CPD standard",
                    found,
                    names=names_in(explanation, confirmed),
                )
            )
    return warnings


def confirmation_problem(warnings: Sequence[Warning], form: Mapping[str, Any]) -> dict[str, str]:
    """Recording with open findings needs the confirmation ticked."""
    if warnings and form.get(CONFIRM_FIELD) != "yes":
        return {CONFIRM_FIELD: CONFIRM_MISSING}
    return {}
