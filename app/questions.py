"""The questions of the CPD forms, each defined once, in one table (``QUESTIONS``).

Everything about a question is read from its entry: the form draws it (one macro per
kind, templates/pages/cpd/_fields.html), the answers parser keeps its answer
(app/cpd/answers.py), recording checks it (app/cpd/rules.py), the live count and the
anonymisation check find it, and the record's page, its print, the export and the
import list it. To add a question, add an entry here (README: "How to add a question").

This module imports nothing of the app, so the policy (which may override a limit by
name) and everything above it can read it. Read the table as ``questions.QUESTIONS``
each time, never copied at import: a test adds a question by replacing it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

STRUCTURED = "structured"
UNSTRUCTURED = "unstructured"
FORM_TYPES = (STRUCTURED, UNSTRUCTURED)
BOTH = (STRUCTURED, UNSTRUCTURED)


class Kind(enum.StrEnum):
    TEXT = "text"  # one line, with a character count
    TEXT_AREA = "text_area"  # several lines, with a character count
    DATE = "date"  # day, month and year boxes, named <name>_day, <name>_month, <name>_year
    RADIOS = "radios"  # one of a list the policy holds (``options``)
    CHECKBOXES = "checkboxes"  # at least one of a list the policy holds (``options``)


TYPED = (Kind.TEXT, Kind.TEXT_AREA)
DATE_PARTS = ("day", "month", "year")


@dataclass(frozen=True)
class Question:
    name: str  # the answer's key and its box's name
    label: str  # the visible question: people, screen readers and tests find boxes by it
    kind: Kind
    forms: tuple[str, ...]  # the forms that ask it
    # Under the label. May name {earliest_cpd_date} or {standard_parts_count}, filled
    # from the policy (rules.hint_for).
    hint: str = ""
    # A link after the hint: (endpoint, link text).
    hint_link: tuple[str, str] | None = None
    # Needed before the record can be recorded, and what to say when it is missing (the
    # date says what is wrong with it in its own words: rules.check_date).
    required: bool = False
    missing: str = ""
    # Asked only when another question has this answer: (question, answer). Needed then
    # if ``required``; drawn under that question, as part of it.
    asked_if: tuple[str, str] | None = None
    # Characters allowed (typed kinds); the policy's [character_limits] may override it.
    limit: int | None = None
    # Checked for anything that could identify a person (app/cpd/anonymity.py).
    checked_for_identifiers: bool = False
    # Radios and checkboxes: the policy's list of choices ("activity_types",
    # "standard_parts").
    options: str = ""
    rows: int = 8  # a text area's height
    short_label: str = ""  # in lists of answers, where the label would be too long

    @property
    def listed_as(self) -> str:
        return self.short_label or self.label


COMPLETED = "completed"  # the date the CPD was completed: each record is dated by it
PEER_REFLECTION = "peer_reflection"  # what some regulators' yearly minimum counts
STANDARD_PARTS = "standard_parts"  # indexed with each record (app/records/derived.py)

# In page order.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "title",
        "Title",
        Kind.TEXT,
        BOTH,
        hint="A short name to help you find this CPD later, like ‘Safeguarding adults refresher’",
        required=True,
        missing="Enter a title for this CPD",
        limit=100,
        checked_for_identifiers=True,
    ),
    Question(
        COMPLETED,
        "Date you completed this CPD",
        Kind.DATE,
        BOTH,
        hint="For example, 27 3 2025. Only CPD completed on or after {earliest_cpd_date}"
        " needs recording.",
        required=True,
    ),
    Question(
        "activity_type",
        "Type of CPD activity",
        Kind.RADIOS,
        (STRUCTURED,),
        required=True,
        missing="Select the type of CPD activity",
        options="activity_types",
    ),
    Question(
        "activity_other",
        "If you chose other, what type of activity was it?",
        Kind.TEXT,
        (STRUCTURED,),
        required=True,
        missing="Enter what type of activity it was",
        asked_if=("activity_type", "other"),
        limit=100,
        checked_for_identifiers=True,
    ),
    Question(
        "what_you_did",
        "What did you do, and why is it relevant to your practice?",
        Kind.TEXT_AREA,
        (STRUCTURED,),
        required=True,
        missing="Enter what you did and why it is relevant to your practice",
        limit=3000,
        checked_for_identifiers=True,
    ),
    Question(
        "what_you_learned",
        "What did you learn?",
        Kind.TEXT_AREA,
        (STRUCTURED,),
        required=True,
        missing="Enter what you learned",
        limit=3000,
        checked_for_identifiers=True,
    ),
    Question(
        "practice_change",
        "How has it changed, or how will it change, your practice?",
        Kind.TEXT_AREA,
        (STRUCTURED,),
        required=True,
        missing="Enter how it has changed, or will change, your practice",
        limit=3000,
        checked_for_identifiers=True,
    ),
    Question(
        PEER_REFLECTION,
        "Peer reflection (optional): what did you learn from discussing this with a peer?",
        Kind.TEXT_AREA,
        (STRUCTURED,),
        hint="If you talked this CPD through with a colleague, supervisor or mentor,"
        " what did that add?",
        limit=3000,
        checked_for_identifiers=True,
        short_label="Peer reflection",
    ),
    Question(
        "description",
        "Describe your CPD and how it meets the CPD standard",
        Kind.TEXT_AREA,
        (UNSTRUCTURED,),
        hint="In your own words: what you did, what you learned and how it changes your"
        " practice. You can also describe a record kept elsewhere, like a workplace"
        " development review.",
        required=True,
        missing="Describe your CPD and how it meets the CPD standard",
        limit=6000,
        checked_for_identifiers=True,
        rows=14,
    ),
    Question(
        STANDARD_PARTS,
        "Which parts of the CPD standard does this show?",
        Kind.CHECKBOXES,
        BOTH,
        hint="Select all that apply. Try to show all {standard_parts_count} parts across the"
        " year, not in every record.",
        hint_link=("help.cpd_standard", "What the parts of the CPD standard mean"),
        required=True,
        missing="Select at least one part of the CPD standard",
        options="standard_parts",
    ),
)

# Not questions of the table, but asked on the form too.
DOCUMENTS = "documents"
DOCUMENTS_LABEL = "Supporting documents"
# Asked of each supporting document (its box is named document_explanation_<id>).
DOCUMENT_EXPLANATION = "document_explanation"
DOCUMENT_EXPLANATION_LABEL = "How does this document show the CPD standard?"
DOCUMENT_EXPLANATION_LIMIT = 1000


def asked_on(form_type: str) -> tuple[Question, ...]:
    """The questions of one form, in page order."""
    return tuple(q for q in QUESTIONS if form_type in q.forms)


def named(name: str) -> Question:
    for question in QUESTIONS:
        if question.name == name:
            return question
    raise KeyError(name)


def label(name: str) -> str:
    """A question's label; "documents" names the supporting documents."""
    return DOCUMENTS_LABEL if name == DOCUMENTS else named(name).label


def follow_ups(name: str) -> tuple[Question, ...]:
    """The questions asked only for some answer of ``name``, drawn under it."""
    return tuple(q for q in QUESTIONS if q.asked_if and q.asked_if[0] == name)


def boxes(question: Question) -> tuple[str, ...]:
    """The text boxes an answer to ``question`` is kept in (a date: its three)."""
    if question.kind == Kind.DATE:
        return tuple(f"{question.name}_{part}" for part in DATE_PARTS)
    if question.kind == Kind.CHECKBOXES:
        return ()  # a list, not text
    return (question.name,)


def text_fields(form_type: str | None = None) -> tuple[str, ...]:
    """The text answers one form keeps, or every form (``None``), in page order."""
    asked = asked_on(form_type) if form_type is not None else QUESTIONS
    return tuple(dict.fromkeys(box for q in asked for box in boxes(q)))


def list_fields() -> tuple[str, ...]:
    """Answers that are lists of choices."""
    return tuple(q.name for q in QUESTIONS if q.kind == Kind.CHECKBOXES)


def checked_for_identifiers(form_type: str) -> tuple[str, ...]:
    return tuple(q.name for q in asked_on(form_type) if q.checked_for_identifiers)


def default_limits() -> dict[str, int]:
    """Every limited box's limit, before the policy's [character_limits]."""
    limits = {q.name: q.limit for q in QUESTIONS if q.limit is not None}
    return {**limits, DOCUMENT_EXPLANATION: DOCUMENT_EXPLANATION_LIMIT}
