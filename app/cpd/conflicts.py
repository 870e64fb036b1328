"""The conflict page: a save based on a version that another window or device has
changed since. Both versions side by side; nothing is overwritten until the person
chooses."""

from __future__ import annotations

from typing import Any

from flask import render_template

from app.cpd import presenters
from app.policy import current_policy
from app.records.models import CpdRecord


def conflict_page(record: CpdRecord, answers: dict[str, Any], action: str) -> tuple[str, int]:
    """Both versions side by side; nothing is overwritten until the person chooses."""
    policy = current_policy()
    saved = record.working_answers
    mine = presenters.answer_list(answers, record.form_type, policy)
    theirs = presenters.answer_list(saved, record.form_type, policy)
    return (
        render_template(
            "pages/cpd/conflict.html",
            record=record,
            answers=answers,
            action=action,
            comparison=list(zip(mine, theirs, strict=True)),
            hidden_fields=_hidden_fields(answers),
        ),
        409,
    )


def _hidden_fields(answers: dict[str, Any]) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for name, value in answers.items():
        if name == "documents":
            for item in value:
                fields.append(("document_ids", str(item["id"])))
                fields.append((f"document_explanation_{item['id']}", item["explanation"]))
        elif isinstance(value, list):
            fields.extend((name, str(item)) for item in value)
        else:
            fields.append((name, str(value)))
    return fields
