"""CPD rules, as pure functions of the policy: character counts, dates, what a record
needs before it can be recorded, registration years and progress.

The same functions feed the no-JavaScript hints and errors, the live counts and the
services, so a number is counted one way everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from app import questions
from app.dates import format_date
from app.policy import Policy
from app.questions import (  # noqa: F401  (the forms' names, read through rules too)
    COMPLETED,
    FORM_TYPES,
    PEER_REFLECTION,
    STANDARD_PARTS,
    STRUCTURED,
    UNSTRUCTURED,
    Kind,
    Question,
)

# Shown on the form beside the table's questions.
DOCUMENT_EXPLANATION_QUESTION = questions.DOCUMENT_EXPLANATION_LABEL


def label(name: str) -> str:
    return questions.label(name)


def hint_for(question: Question, policy: Policy) -> str:
    """A question's hint with the policy's numbers filled in."""
    return question.hint.format(
        earliest_cpd_date=format_date(policy.earliest_cpd_date),
        standard_parts_count=len(policy.standard_parts),
    )


@dataclass(frozen=True)
class Choice:
    value: str
    text: str
    hint: str = ""


def choices(question: Question, policy: Policy) -> list[Choice]:
    """What a radios or checkboxes question offers, from the policy list it names."""
    if question.options == "standard_parts":
        return [
            Choice(p.number, f"{p.number} {p.title}", p.description) for p in policy.standard_parts
        ]
    if question.options == "activity_types":
        return [Choice(a.value, a.label) for a in policy.activity_types]
    raise ValueError(f"{question.name}: no policy list named {question.options!r}")


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


def check_date(
    day: str,
    month: str,
    year: str,
    *,
    policy: Policy,
    today: dt.date,
    label: str | None = None,
) -> DateCheck:
    """GOV.UK date input rules: missing parts, a real date, the earliest date, not future.
    ``label`` is the question's (by default the date the CPD was completed)."""
    label = label or questions.label(COMPLETED)
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
    answers: Mapping[str, object], *, policy: Policy, today: dt.date, name: str = COMPLETED
) -> DateCheck:
    """check_date on the day, month and year boxes of the date question ``name``."""
    question = questions.named(name)
    day, month, year = (str(answers.get(box) or "") for box in questions.boxes(question))
    return check_date(day, month, year, policy=policy, today=today, label=question.label)


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
    for question in questions.asked_on(form_type):
        problem = _problem(question, answers, policy=policy, today=today)
        if problem:
            problems[question.name] = problem
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
    limit = policy.limit(questions.DOCUMENT_EXPLANATION)
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


def _problem(
    question: Question, answers: Mapping[str, object], *, policy: Policy, today: dt.date
) -> str | None:
    """Why one question's answer cannot be recorded yet, if it cannot."""
    value = answers.get(question.name)
    if question.kind == Kind.DATE:
        return check_answers_date(answers, policy=policy, today=today, name=question.name).error
    if question.kind in (Kind.RADIOS, Kind.CHECKBOXES):
        known = {choice.value for choice in choices(question, policy)}
        chosen = value if isinstance(value, list | tuple) else [value] if value else []
        if question.required and not (chosen and all(item in known for item in chosen)):
            return question.missing
        return None
    text = str(value or "")
    asked = question.asked_if is None or answers.get(question.asked_if[0]) == question.asked_if[1]
    if question.required and asked and not text.strip():
        return question.missing
    if question.limit is not None and count_characters(text) > policy.limit(question.name):
        return over_limit_message(question.label, text, policy.limit(question.name))
    return None


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
