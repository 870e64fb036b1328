"""Turn stored answers into the words people read: dates, activity names, the parts of
the standard, titles. Templates stay free of rules this way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app import dates
from app.cpd import rules
from app.policy import Policy, StandardPart, current_policy
from app.records.models import CpdRecord


def count_attributes(name: str) -> dict[str, str]:
    """The limit of a limited box, for the count kept on the device as people type
    (static/js/character-count.mjs): right at once, offline too, and by the same rule
    as rules.count_characters. The server still decides when a record is saved."""
    return {"data-count-limit": str(current_policy().limit(name))}


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


def completed_text(answers: Mapping[str, Any], policy: Policy) -> str:
    """The date as typed, even when it is not a real date yet (drafts can hold anything)."""
    value = rules.parse_date_quietly(answers, policy=policy, today=policy.today())
    if value:
        return dates.format_date(value)
    typed = [
        str(answers.get(f"completed_{part}") or "").strip() for part in ("day", "month", "year")
    ]
    return " / ".join(p or "–" for p in typed) if any(typed) else "Not given yet"


def activity_text(answers: Mapping[str, Any], policy: Policy) -> str:
    value = answers.get("activity_type") or ""
    if value == "other":
        other = str(answers.get("activity_other") or "").strip()
        return f"Other: {other}" if other else "Other"
    labels = {a.value: a.label for a in policy.activity_types}
    return labels.get(value, "Not given yet")


def parts_shown(answers: Mapping[str, Any], policy: Policy) -> list[StandardPart]:
    chosen = set(answers.get("standard_parts") or [])
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
    for name in rules.FORM_FIELDS[form_type]:
        if name == "activity_other":
            continue  # shown with the activity type
        items: tuple[str, ...] = ()
        if name == "completed":
            text = completed_text(answers, policy)
        elif name == "activity_type":
            text = activity_text(answers, policy)
        elif name == "standard_parts":
            parts = parts_shown(answers, policy)
            items = tuple(f"{p.number} {p.title}" for p in parts)
            text = "\n".join(items) or "None chosen yet"
        else:
            text = str(answers.get(name) or "")
        question = rules.QUESTIONS[name]
        if name == "peer_reflection":
            question = "Peer reflection"
        rows.append(Answer(question, text or "Not answered", missing=not text, items=items))
    return rows
