"""Answers for the CPD forms, as a browser posts them: one definition for every test.

Override any answer by name: ``structured_answers(title="", action="draft")``."""

from __future__ import annotations

from typing import Any


def structured_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "title": "Safeguarding adults refresher",
        "completed_day": "3",
        "completed_month": "6",
        "completed_year": "2026",
        "activity_type": "course",
        "what_you_did": "A day course on the Care Act duties.",
        "what_you_learned": "How to make a safeguarding enquiry proportionate.",
        "practice_change": "I now check consent first.",
        "peer_reflection": "",
        "standard_parts": ["4.3", "4.4"],
        "action": "record",
    }
    answers.update(overrides)
    return answers


def unstructured_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "title": "Reading on trauma-informed practice",
        "completed_day": "10",
        "completed_month": "1",
        "completed_year": "2026",
        "description": "I read two papers and discussed them in team supervision.",
        "standard_parts": ["4.2"],
        "action": "record",
    }
    answers.update(overrides)
    return answers
