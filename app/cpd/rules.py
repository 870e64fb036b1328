"""CPD rules, as pure functions of the policy: character counts, dates, what a record
needs before it can be recorded, registration years and progress.

The same functions feed the no-JavaScript hints and errors, the live counts and the
services, so a number is counted one way everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from app.dates import format_date
from app.policy import Policy
from app.records.derived import PEER_REFLECTION

STRUCTURED = "structured"
UNSTRUCTURED = "unstructured"
FORM_TYPES = (STRUCTURED, UNSTRUCTURED)


@dataclass(frozen=True)
class Question:
    """One question of the CPD forms, defined once: the rules, the templates, the counts,
    the anonymisation check and the error messages all read it from here."""

    name: str  # the answer's key and its box's name (the date: its day, month, year boxes)
    label: str  # the visible question: people, screen readers and tests find boxes by it
    forms: tuple[str, ...]  # the forms that ask it, in page order
    # What to say when it is missing at recording; None: it may be left empty.
    missing: str | None = None
    # A typed box with a character limit (the policy's, by ``name``); typed boxes are
    # the ones checked for identifiers.
    limited: bool = False


BOTH = (STRUCTURED, UNSTRUCTURED)
QUESTIONS_IN_ORDER: tuple[Question, ...] = (
    Question("title", "Title", BOTH, "Enter a title for this CPD", limited=True),
    Question("completed", "Date you completed this CPD", BOTH),  # rules: check_date
    Question(
        "activity_type", "Type of CPD activity", (STRUCTURED,), "Select the type of CPD activity"
    ),
    # Needed only when the activity chosen is "Other" (see _is_missing).
    Question(
        "activity_other",
        "If you chose other, what type of activity was it?",
        (STRUCTURED,),
        "Enter what type of activity it was",
        limited=True,
    ),
    Question(
        "what_you_did",
        "What did you do, and why is it relevant to your practice?",
        (STRUCTURED,),
        "Enter what you did and why it is relevant to your practice",
        limited=True,
    ),
    Question(
        "what_you_learned",
        "What did you learn?",
        (STRUCTURED,),
        "Enter what you learned",
        limited=True,
    ),
    Question(
        "practice_change",
        "How has it changed, or how will it change, your practice?",
        (STRUCTURED,),
        "Enter how it has changed, or will change, your practice",
        limited=True,
    ),
    Question(
        PEER_REFLECTION,
        "Peer reflection (optional): what did you learn from discussing this with a peer?",
        (STRUCTURED,),
        limited=True,
    ),
    Question(
        "description",
        "Describe your CPD and how it meets the CPD standard",
        (UNSTRUCTURED,),
        "Describe your CPD and how it meets the CPD standard",
        limited=True,
    ),
    Question(
        "standard_parts",
        "Which parts of the CPD standard does this show?",
        BOTH,
        "Select at least one part of the CPD standard",
    ),
)
DOCUMENTS_QUESTION = "Supporting documents"
# Asked of each supporting document (its box is named document_explanation_<id>).
DOCUMENT_EXPLANATION_QUESTION = "How does this document show the CPD standard?"
_DATE_FIELDS = ("completed_day", "completed_month", "completed_year")
LIST_FIELDS = ("standard_parts",)


def _asked_on(form_type: str) -> tuple[Question, ...]:
    return tuple(q for q in QUESTIONS_IN_ORDER if form_type in q.forms)


# Views of the one definition above, for the code that reads them.
QUESTIONS: dict[str, str] = {
    **{q.name: q.label for q in QUESTIONS_IN_ORDER},
    "documents": DOCUMENTS_QUESTION,
}
MISSING: dict[str, str] = {q.name: q.missing for q in QUESTIONS_IN_ORDER if q.missing}
# Which boxes appear on each form, in page order (for error summaries and views).
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    form: tuple(q.name for q in _asked_on(form)) for form in FORM_TYPES
}
# Typed answers that must not be empty to record (the date, the parts of the standard
# and "Other" have rules of their own).
REQUIRED: dict[str, tuple[str, ...]] = {
    form: tuple(
        q.name
        for q in _asked_on(form)
        if q.missing and q.name not in ("completed", "standard_parts", "activity_other")
    )
    for form in FORM_TYPES
}
LIMITED: dict[str, tuple[str, ...]] = {
    form: tuple(q.name for q in _asked_on(form) if q.limited) for form in FORM_TYPES
}
# The text answers each form keeps (the date as its three boxes).
FIELDS_BY_FORM: dict[str, tuple[str, ...]] = {
    form: tuple(
        name
        for q in _asked_on(form)
        if q.name not in LIST_FIELDS
        for name in (_DATE_FIELDS if q.name == "completed" else (q.name,))
    )
    for form in FORM_TYPES
}
# Every text answer a record can hold, whatever its form.
TEXT_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(name for form in FORM_TYPES for name in FIELDS_BY_FORM[form])
)


def normalise_text(value: str | None) -> str:
    """Browsers send CRLF line breaks; a person sees one character per line break."""
    if not value:
        return ""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def count_characters(value: str | None) -> int:
    """Characters as a person counts them: line breaks count once, and an emoji or an
    accented letter typed as one character counts once (Unicode code points)."""
    return len(normalise_text(value))


def limit_hint(limit: int) -> str:
    return f"You can enter up to {limit:,} characters"


def count_message(value: str | None, limit: int) -> tuple[str, bool]:
    """The live count wording (GOV.UK character count) and whether it is over the limit."""
    remaining = limit - count_characters(value)
    if remaining >= 0:
        noun = "character" if remaining == 1 else "characters"
        return f"You have {remaining:,} {noun} remaining", False
    over = -remaining
    noun = "character" if over == 1 else "characters"
    return f"You have {over:,} {noun} too many", True


def over_limit_message(question: str, value: str | None, limit: int) -> str:
    return (
        f"{question} must be {limit:,} characters or fewer — you have {count_characters(value):,}"
    )


@dataclass(frozen=True)
class DateCheck:
    value: dt.date | None
    error: str | None
    # Which of day, month, year the error is about (to highlight those inputs).
    parts: tuple[str, ...] = ()


def check_date(day: str, month: str, year: str, *, policy: Policy, today: dt.date) -> DateCheck:
    """GOV.UK date input rules: missing parts, a real date, the earliest date, not future."""
    label = QUESTIONS["completed"]
    given = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = [name for name, value in given.items() if not value]
    if len(missing) == 3:
        return DateCheck(None, f"Enter the {label[0].lower()}{label[1:]}", ("day", "month", "year"))
    if missing:
        return DateCheck(None, f"{label} must include a {' and '.join(missing)}", tuple(missing))
    try:
        value = dt.date(int(given["year"]), int(given["month"]), int(given["day"]))
    except (ValueError, OverflowError):
        # OverflowError: a number too big for a date (a twenty-digit year) is just as
        # unreal as 31 February, and must not become a server error that loses the form.
        return DateCheck(None, f"{label} must be a real date", ("day", "month", "year"))
    if len(given["year"]) != 4:
        return DateCheck(None, "Year must include 4 numbers", ("year",))
    if value < policy.earliest_cpd_date:
        return DateCheck(
            None,
            f"{label} must be on or after {format_date(policy.earliest_cpd_date)}",
            ("day", "month", "year"),
        )
    if value > today:
        return DateCheck(None, f"{label} must be today or in the past", ("day", "month", "year"))
    return DateCheck(value, None)


def check_answers_date(
    answers: Mapping[str, object], *, policy: Policy, today: dt.date
) -> DateCheck:
    """check_date on the day, month and year boxes of a set of answers."""
    return check_date(
        str(answers.get("completed_day") or ""),
        str(answers.get("completed_month") or ""),
        str(answers.get("completed_year") or ""),
        policy=policy,
        today=today,
    )


def parse_date_quietly(
    answers: Mapping[str, object], *, policy: Policy, today: dt.date
) -> dt.date | None:
    return check_answers_date(answers, policy=policy, today=today).value


def problems_for_recording(
    answers: Mapping[str, object],
    form_type: str,
    *,
    policy: Policy,
    today: dt.date,
    document_names: Mapping[int, str] | None = None,
) -> dict[str, str]:
    """Every reason these answers cannot be recorded yet, by field, in page order.
    ``document_names`` names the documents in ``answers["documents"]`` for messages."""
    problems: dict[str, str] = {}
    for field in FORM_FIELDS[form_type]:
        if field == "completed":
            check = check_answers_date(answers, policy=policy, today=today)
            if check.error:
                problems["completed"] = check.error
            continue
        if field == "standard_parts":
            if not _valid_parts(answers.get("standard_parts"), policy):
                problems[field] = MISSING[field]
            continue
        value = str(answers.get(field) or "")
        if _is_missing(field, value, answers, form_type, policy):
            problems[field] = MISSING[field]
        elif field in LIMITED[form_type] and count_characters(value) > policy.limit(field):
            problems[field] = over_limit_message(QUESTIONS[field], value, policy.limit(field))
    problems.update(_document_problems(answers, form_type, policy, document_names or {}))
    return problems


def _document_problems(
    answers: Mapping[str, object], form_type: str, policy: Policy, names: Mapping[int, str]
) -> dict[str, str]:
    """Each document's explanation: required on the unstructured form, always within
    its limit."""
    problems: dict[str, str] = {}
    documents = answers.get("documents") or []
    assert isinstance(documents, list)
    limit = policy.limit("document_explanation")
    for item in documents:
        document_id = int(item["id"])
        name = names.get(document_id, "this document")
        explanation = str(item.get("explanation") or "")
        key = f"document_explanation_{document_id}"
        if form_type == UNSTRUCTURED and not explanation.strip():
            problems[key] = f"Enter how {name} shows the CPD standard"
        elif count_characters(explanation) > limit:
            problems[key] = over_limit_message(
                f"How {name} shows the CPD standard", explanation, limit
            )
    return problems


def _is_missing(
    field: str, value: str, answers: Mapping[str, object], form_type: str, policy: Policy
) -> bool:
    if field in REQUIRED[form_type] and not value.strip():
        return True
    if field == "activity_type":
        return value not in {activity.value for activity in policy.activity_types}
    if field == "activity_other":
        return answers.get("activity_type") == "other" and not value.strip()
    return False


def _valid_parts(parts: object, policy: Policy) -> bool:
    if not isinstance(parts, list | tuple) or not parts:
        return False
    known = {part.number for part in policy.standard_parts}
    return all(part in known for part in parts)


@dataclass(frozen=True)
class Progress:
    year_start: dt.date
    year_end: dt.date
    recorded: int
    minimum: int
    good_practice: int
    parts_shown: tuple[str, ...]
    parts_not_shown: tuple[str, ...]

    @property
    def meets_minimum(self) -> bool:
        return self.recorded >= self.minimum

    @property
    def meets_good_practice(self) -> bool:
        return self.recorded >= self.good_practice
