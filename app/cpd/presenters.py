"""Turn stored answers into the words people read: dates, activity names, the parts of
the standard, titles. Templates stay free of rules this way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app import dates, questions
from app.cpd import rules
from app.policy import Policy, StandardPart, current_policy
from app.questions import Kind, Question
from app.records.models import CpdRecord


def count_attributes(name: str) -> dict[str, str]:
    """The limit of a limited box, for the count kept on the device as people type
    (static/js/character-count.mjs): right at once, offline too, and by the same rule
    as rules.count_characters. The server still decides when a record is saved."""
    return {"data-count-limit": str(current_policy().limit(name))}


def unanswered_question(
    question: Question,
    form_type: str,
    answers: Mapping[str, Any],
    problems: Mapping[str, str],
    warnings: Mapping[str, Any],
    date_error_parts: Sequence[str],
) -> tuple[object, ...] | None:
    """What a form's question (with the follow-up boxes drawn under it) looks like when
    it holds nothing of the person's: no answer in any of its boxes, no problem, no
    anonymisation warning. Its HTML is then the same for everyone, so the form keeps it
    (``layout_piece``, app/layout.py) under this variant. None when it holds anything of
    the person's: rendered afresh and never kept.

    The variant names the questions themselves (a test may replace the table) and the
    limit each box's count on the device reads from the running policy
    (``count_attributes``); the rest of its words come from the template's ``policy``,
    which is the app's for its whole life, as the kept pieces are."""
    asked = (question, *(q for q in questions.follow_ups(question.name) if form_type in q.forms))
    limits = []
    for each in asked:
        if problems.get(each.name) or warnings.get(each.name) or answers.get(each.name):
            return None
        if each.kind == Kind.DATE and (
            date_error_parts or any(answers.get(box) for box in questions.boxes(each))
        ):
            return None
        limits.append(current_policy().limit(each.name) if each.kind in questions.TYPED else None)
    return (asked, tuple(limits))


FORM_NAMES = {rules.STRUCTURED: "Structured form", rules.UNSTRUCTURED: "Unstructured form"}


def record_title(
    record: CpdRecord, policy: Policy, answers: Mapping[str, Any] | None = None
) -> str:
    """The title, or a placeholder that still tells two untitled drafts apart."""
    title = str((answers if answers is not None else record.answers).get("title") or "").strip()
    if title:
        return title
    return f"Untitled draft started {dates.format_moment(record.created_at, policy)}"


@dataclass(frozen=True)
class YearGroup:
    heading: str
    is_current: bool
    records: Sequence[CpdRecord]


def distinct_titles(groups: Sequence[YearGroup], policy: Policy) -> dict[int | None, str]:
    """Each record's title on Your CPD, numbered where two would read the same: its
    View, Edit and Delete links are named by it, and a screen reader's list of links
    must tell them apart."""
    records = [record for group in groups for record in group.records]
    # On one line, as a browser shows it anyway: the card's HTML is kept and its title
    # filled in (app/layout.py), which cannot indent a title's later lines as GOV.UK's
    # macro would.
    titles = {record.id: " ".join(record_title(record, policy).split()) for record in records}
    counts = Counter(titles.values())
    seen: Counter[str] = Counter()
    for record in records:
        title = titles[record.id]
        if counts[title] > 1:
            seen[title] += 1
            titles[record.id] = f"{title} ({seen[title]} of {counts[title]})"
    return titles


def completed_text(answers: Mapping[str, Any], policy: Policy, name: str = rules.COMPLETED) -> str:
    """The date as typed, even when it is not a real date yet (drafts can hold anything)."""
    check = rules.check_answers_date(answers, policy=policy, today=policy.today(), name=name)
    if check.value:
        return dates.format_date(check.value)
    boxes = questions.boxes(questions.named(name))
    typed = [str(answers.get(box) or "").strip() for box in boxes]
    return " / ".join(p or "–" for p in typed) if any(typed) else "Not given yet"


def choice_text(answers: Mapping[str, Any], question: Question, policy: Policy) -> str:
    """A radio answer in words; with what its follow-up box says ("Other: Shadowing")."""
    value = answers.get(question.name) or ""
    labels = {choice.value: choice.text for choice in rules.choices(question, policy)}
    for follow_up in questions.follow_ups(question.name):
        assert follow_up.asked_if is not None
        if value == follow_up.asked_if[1]:
            more = str(answers.get(follow_up.name) or "").strip()
            chosen = labels.get(value, value)
            return f"{chosen}: {more}" if more else chosen
    return labels.get(value, "Not given yet")


def parts_shown(answers: Mapping[str, Any], policy: Policy) -> list[StandardPart]:
    chosen = set(answers.get(questions.STANDARD_PARTS) or [])
    return [part for part in policy.standard_parts if part.number in chosen]


def parts_text(answers: Mapping[str, Any], policy: Policy) -> str:
    numbers = [part.number for part in parts_shown(answers, policy)]
    return ", ".join(numbers) if numbers else "None chosen yet"


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    missing: bool = False
    items: tuple[str, ...] = ()  # read as a list, not one run-on line


def answer_list(answers: Mapping[str, Any], form_type: str, policy: Policy) -> list[Answer]:
    """Every question on the form with its answer, in page order."""
    rows: list[Answer] = []
    for question in questions.asked_on(form_type):
        if question.asked_if is not None:
            continue  # shown with the answer it follows
        items: tuple[str, ...] = ()
        if question.kind == Kind.DATE:
            text = completed_text(answers, policy, question.name)
        elif question.kind == Kind.RADIOS:
            text = choice_text(answers, question, policy)
        elif question.kind == Kind.CHECKBOXES:
            chosen = answers.get(question.name) or []
            items = tuple(c.text for c in rules.choices(question, policy) if c.value in chosen)
            text = "\n".join(items) or "None chosen yet"
        else:
            text = str(answers.get(question.name) or "")
        rows.append(
            Answer(question.listed_as, text or "Not answered", missing=not text, items=items)
        )
    return rows
