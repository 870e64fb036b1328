"""The one parser of a CPD record's answers, whoever sends them: a form page (its
fields, read by ``from_form``) or an import (records.json). Both arrive as a plain
mapping and leave as the same normalised shape:

    {<text question>: str, ..., "standard_parts": [str, ...],
     "documents": [{"id": int, "explanation": str}, ...],
     "not_people": [str, ...]}  # only if there are some: names said not to be people

Text is normalised the way it is counted (CRLF → LF). What cannot be read is said in
``problems`` (an import refuses the file for it; a form's fields are always text)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from app.cpd import anonymity, rules

KEYS = frozenset({*rules.TEXT_FIELDS, "standard_parts", "documents", anonymity.NOT_PEOPLE_FIELD})


class Problems(Protocol):
    def append(self, problem: str, /) -> None: ...


def parse(
    raw: Any,
    *,
    form_type: str | None = None,
    problems: Problems | None = None,
    where: str = "The answers",
) -> dict[str, Any]:
    """Answers from ``raw``; only the questions of ``form_type`` if it is given (a form
    sends its own boxes), every question otherwise (an import keeps what it finds).

    Every answer is kept, including ones a radio choice has hidden, so nothing typed
    disappears because someone changed their mind about the activity type."""
    found: list[str] = []
    say = problems.append if problems is not None else found.append
    if not isinstance(raw, Mapping):
        say(f"{where}: the answers are missing")
        return {"standard_parts": [], "documents": []}
    unknown = set(raw) - KEYS
    if unknown:
        say(f"{where}: it has answers to questions this service does not ask")
    asked = rules.FIELDS_BY_FORM[form_type] if form_type is not None else rules.TEXT_FIELDS
    answers: dict[str, Any] = {}
    for name in rules.TEXT_FIELDS:
        if name not in asked or name not in raw:
            continue
        if isinstance(raw[name], str):
            answers[name] = rules.normalise_text(raw[name])
        else:
            say(f"{where}: {name} is not text")
    parts = raw.get("standard_parts", [])
    if not isinstance(parts, list) or not all(isinstance(part, str) for part in parts):
        say(f"{where}: the parts of the standard are not a list")
        parts = []
    answers["standard_parts"] = list(parts)
    items = raw.get("documents", [])
    if not isinstance(items, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("id"), int)
        and isinstance(item.get("explanation", ""), str)
        for item in items
    ):
        say(f"{where}: the document list cannot be read")
        items = []
    documents: list[dict[str, Any]] = []
    for item in items:
        # Which ids are really the record's is checked where the record is known.
        if item["id"] not in [document["id"] for document in documents]:
            explanation = rules.normalise_text(item.get("explanation", ""))
            documents.append({"id": item["id"], "explanation": explanation})
    answers["documents"] = documents
    # Names the person said are not real people (app/cpd/anonymity.py), bounded like
    # everything posted; only when there are some, so other answers keep their shape.
    names = raw.get(anonymity.NOT_PEOPLE_FIELD, [])
    if (
        not isinstance(names, list)
        or len(names) > anonymity.MAX_NOT_PEOPLE
        or not all(
            isinstance(name, str) and len(name) <= anonymity.MAX_NAME_CHARACTERS for name in names
        )
    ):
        say(f"{where}: the names said not to be real people cannot be read")
    elif names:
        answers[anonymity.NOT_PEOPLE_FIELD] = list(names)
    return answers


def from_form(form: Any, form_type: str) -> dict[str, Any]:
    """The answers a form page posted (``request.form``), through ``parse``."""
    # Every box of the form, sent or not (an unticked radio sends nothing).
    raw: dict[str, Any] = {name: form.get(name, "") for name in rules.FIELDS_BY_FORM[form_type]}
    raw["standard_parts"] = [str(part) for part in form.getlist("standard_parts")]
    raw["documents"] = [
        {"id": int(raw_id), "explanation": form.get(f"document_explanation_{raw_id}", "")}
        for raw_id in form.getlist("document_ids")
        if str(raw_id).isascii() and str(raw_id).isdigit()
    ]
    raw[anonymity.NOT_PEOPLE_FIELD] = anonymity.not_people_from_form(form)
    return parse(raw, form_type=form_type)
