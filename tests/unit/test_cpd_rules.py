"""The CPD rules at their boundaries: limits, dates, registration years, progress."""

from __future__ import annotations

import datetime as dt

import pytest

from app import dates, questions
from app.cpd import rules
from app.policy import Policy

POLICY = Policy()
TODAY = dt.date(2026, 11, 29)


def complete_structured(**overrides: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "title": "Course",
        "completed_day": "2",
        "completed_month": "12",
        "completed_year": "2019",
        "activity_type": "course",
        "what_you_did": "did",
        "what_you_learned": "learned",
        "practice_change": "changed",
        "standard_parts": ["4.1"],
    }
    answers.update(overrides)
    return answers


def test_counting_turns_crlf_and_cr_into_one_character() -> None:
    assert rules.count_characters("a\r\nb\rc\nd") == 7
    assert rules.normalise_text("a\r\nb") == "a\nb"


def test_counting_uses_code_points_not_bytes_or_utf16_units() -> None:
    assert rules.count_characters("café 😀") == 6


@pytest.mark.parametrize("field", [q.name for q in questions.QUESTIONS if q.limit is not None])
def test_exactly_the_limit_is_accepted_and_one_more_is_refused(field: str) -> None:
    limit = POLICY.limit(field)
    form = questions.named(field).forms[0]
    base = complete_structured(activity_type="other", activity_other="Shadowing")
    if form == rules.UNSTRUCTURED:
        base = {**base, "description": "described"}
    at_limit = rules.problems_for_recording(
        {**base, field: "a" * limit}, form, policy=POLICY, today=TODAY
    )
    assert field not in at_limit
    over = rules.problems_for_recording(
        {**base, field: "a" * (limit + 1)}, form, policy=POLICY, today=TODAY
    )
    assert over[field] == (
        f"{rules.label(field)} must be {limit:,} characters or fewer — you have {limit + 1:,}"
    )


def test_a_pasted_block_with_windows_line_breaks_is_counted_as_a_person_counts() -> None:
    limit = POLICY.limit("what_you_learned")
    pasted = "\r\n".join(["b" * 99] * (limit // 100))  # 100 a line, less one final break
    answers = complete_structured(what_you_learned=pasted)
    assert "what_you_learned" not in rules.problems_for_recording(
        answers, rules.STRUCTURED, policy=POLICY, today=TODAY
    )


def test_the_over_limit_message_matches_the_issue_wording() -> None:
    assert rules.over_limit_message("What did you learn?", "x" * 3042, 3000) == (
        "What did you learn? must be 3,000 characters or fewer — you have 3,042"
    )


def test_count_message_wording_either_side_of_the_limit() -> None:
    assert rules.count_message("x" * 99, 100) == ("You have 1 character remaining", False)
    assert rules.count_message("x" * 100, 100) == ("You have 0 characters remaining", False)
    assert rules.count_message("x" * 101, 100) == ("You have 1 character too many", True)
    assert rules.count_message("", 3000) == ("You have 3,000 characters remaining", False)
    assert rules.limit_hint(3000) == "You can enter up to 3,000 characters"


def check(day: str, month: str, year: str) -> rules.DateCheck:
    return rules.check_date(day, month, year, policy=POLICY, today=TODAY)


def test_the_earliest_date_is_accepted_and_the_day_before_refused() -> None:
    assert check("2", "12", "2019").value == dt.date(2019, 12, 2)
    refused = check("1", "12", "2019")
    assert refused.value is None
    assert refused.error == "Date you completed this CPD must be on or after 2 December 2019"


@pytest.mark.parametrize(
    "day, month, year",
    [
        ("99999999999999999999", "3", "2026"),
        ("2", "99999999999999999999", "2026"),
        ("2", "3", "99999999999999999999"),
        ("2", "3", "9" * 5000),
    ],
)
def test_a_number_too_big_for_any_date_is_not_a_real_date(day: str, month: str, year: str) -> None:
    refused = check(day, month, year)
    assert refused.value is None
    assert refused.error == "Date you completed this CPD must be a real date"


def test_today_is_accepted_and_tomorrow_refused() -> None:
    assert check("29", "11", "2026").value == TODAY
    assert (
        check("30", "11", "2026").error
        == "Date you completed this CPD must be today or in the past"
    )


def test_29_february_only_in_a_leap_year() -> None:
    assert check("29", "2", "2024").value == dt.date(2024, 2, 29)
    assert check("29", "2", "2025").error == "Date you completed this CPD must be a real date"


@pytest.mark.parametrize(
    ("day", "month", "year", "error", "parts"),
    [
        ("", "", "", "Enter the date you completed this CPD", ("day", "month", "year")),
        ("", "3", "2024", "Date you completed this CPD must include a day", ("day",)),
        (
            "4",
            "",
            "",
            "Date you completed this CPD must include a month and year",
            ("month", "year"),
        ),
        (
            "31",
            "4",
            "2024",
            "Date you completed this CPD must be a real date",
            ("day", "month", "year"),
        ),
        (
            "x",
            "4",
            "2024",
            "Date you completed this CPD must be a real date",
            ("day", "month", "year"),
        ),
        ("3", "4", "24", "Year must include 4 numbers", ("year",)),
    ],
)
def test_date_errors_follow_the_design_system_wording(
    day: str, month: str, year: str, error: str, parts: tuple[str, ...]
) -> None:
    result = check(day, month, year)
    assert (result.value, result.error, result.parts) == (None, error, parts)


def test_every_missing_answer_is_reported_in_page_order() -> None:
    problems = rules.problems_for_recording({}, rules.STRUCTURED, policy=POLICY, today=TODAY)
    assert list(problems) == [
        "title",
        "completed",
        "activity_type",
        "what_you_did",
        "what_you_learned",
        "practice_change",
        "standard_parts",
    ]
    assert list(
        rules.problems_for_recording({}, rules.UNSTRUCTURED, policy=POLICY, today=TODAY)
    ) == ["title", "completed", "description", "standard_parts"]


def test_other_activity_needs_a_description_and_unknown_parts_are_refused() -> None:
    problems = rules.problems_for_recording(
        complete_structured(activity_type="other", standard_parts=["9.9"]),
        rules.STRUCTURED,
        policy=POLICY,
        today=TODAY,
    )
    assert problems == {
        "activity_other": "Enter what type of activity it was",
        "standard_parts": "Select at least one part of the CPD standard",
    }
    assert (
        rules.problems_for_recording(
            complete_structured(), rules.STRUCTURED, policy=POLICY, today=TODAY
        )
        == {}
    )


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (dt.date(2026, 11, 30), dt.date(2025, 12, 1), dt.date(2026, 11, 30)),
        (dt.date(2026, 12, 1), dt.date(2026, 12, 1), dt.date(2027, 11, 30)),
        (dt.date(2024, 2, 29), dt.date(2023, 12, 1), dt.date(2024, 11, 30)),
    ],
)
def test_the_registration_year_runs_from_1_december_to_30_november(
    day: dt.date, start: dt.date, end: dt.date
) -> None:
    assert dates.registration_year_containing(day, POLICY) == (start, end)


def test_each_question_is_defined_once_with_a_limit_for_every_typed_box() -> None:
    names = [question.name for question in questions.QUESTIONS]
    assert len(names) == len(set(names))
    for question in questions.QUESTIONS:
        assert rules.label(question.name) == question.label
        assert question.forms and set(question.forms) <= set(questions.FORM_TYPES)
        assert not question.required or question.missing or question.kind == questions.Kind.DATE
        if question.kind in questions.TYPED:
            assert question.limit is not None and POLICY.limit(question.name) == question.limit
        if question.options:
            assert rules.choices(question, POLICY)
        if question.asked_if:
            assert question.asked_if[0] in names[: names.index(question.name)]
    # The "Other" box asks what type of activity it was, and its error says the same.
    other = questions.named("activity_other")
    assert other.label == "If you chose other, what type of activity was it?"
    assert other.missing == "Enter what type of activity it was"
