"""The one parser of a CPD record's answers, whoever sends them: a form page (its
fields, read by ``from_form``: a save, an autosave, a post refused for its CSRF token)
or an import (records.json). Both arrive as a plain mapping and leave as the same
normalised shape, ``Answers``:

    {<text box>: str, ..., <checkboxes question>: [str, ...],
     "documents": [{"id": int, "explanation": str}, ...],
     "not_people": [str, ...]}  # only if there are some: names said not to be people

Which text boxes and lists there are comes from the question table (app/questions.py).

Text is normalised the way it is counted (CRLF → LF). What cannot be read is said in
``problems`` (an import refuses the file for it; a form's fields are always text)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypedDict

from app import questions
from app.cpd import anonymity, rules


class DocumentAnswer(TypedDict):
    """A supporting document the answers list, and how it shows the standard."""

    id: int
    explanation: str


# The answers of one record, by box name (see above). A dict rather than a TypedDict:
# its keys are the question table's, which a TypedDict would have to list again.
Answers = dict[str, Any]


def keys() -> frozenset[str]:
    """Every key a record's answers may have."""
    return frozenset(
        {
            *questions.text_fields(),
            *questions.list_fields(),
            questions.DOCUMENTS,
            anonymity.NOT_PEOPLE_FIELD,
        }
    )


class Problems(Protocol):
    def append(self, problem: str, /) -> None: ...


def parse(
    raw: Any,
    *,
    form_type: str | None = None,
    problems: Problems | None = None,
    where: str = "The answers",
) -> Answers:
    """Answers from ``raw``; only the questions of ``form_type`` if it is given (a form
    sends its own boxes), every question otherwise (an import keeps what it finds).

    Every answer is kept, including ones a radio choice has hidden, so nothing typed
    disappears because someone changed their mind about the activity type."""
    found: list[str] = []
    say = problems.append if problems is not None else found.append
    if not isinstance(raw, Mapping):
        say(f"{where}: the answers are missing")
        return {**{name: [] for name in questions.list_fields()}, questions.DOCUMENTS: []}
    unknown = set(raw) - keys()
    if unknown:
        say(f"{where}: it has answers to questions this service does not ask")
    asked = questions.text_fields(form_type)
    answers: Answers = {}
    for name in questions.text_fields():
        if name not in asked or name not in raw:
            continue
        if isinstance(raw[name], str):
            answers[name] = rules.normalise_text(raw[name])
        else:
            say(f"{where}: {name} is not text")
    for name in questions.list_fields():
        chosen = raw.get(name, [])
        if not isinstance(chosen, list) or not all(isinstance(item, str) for item in chosen):
            say(f"{where}: {name} is not a list")
            chosen = []
        answers[name] = list(chosen)
    items = raw.get(questions.DOCUMENTS, [])
    if not isinstance(items, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("id"), int)
        and isinstance(item.get("explanation", ""), str)
        for item in items
    ):
        say(f"{where}: the document list cannot be read")
        items = []
    documents: list[DocumentAnswer] = []
    for item in items:
        # Which ids are really the record's is checked where the record is known.
        if item["id"] not in [document["id"] for document in documents]:
            explanation = rules.normalise_text(item.get("explanation", ""))
            documents.append({"id": item["id"], "explanation": explanation})
    answers[questions.DOCUMENTS] = documents
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


def from_form(form: Any, form_type: str) -> Answers:
    """The answers a form page posted (``request.form``), through ``parse``."""
    # Every box of the form, sent or not (an unticked radio sends nothing).
    raw: dict[str, Any] = {name: form.get(name, "") for name in questions.text_fields(form_type)}
    for name in questions.list_fields():
        raw[name] = [str(item) for item in form.getlist(name)]
    raw[questions.DOCUMENTS] = [
        {"id": int(raw_id), "explanation": form.get(f"document_explanation_{raw_id}", "")}
        for raw_id in form.getlist("document_ids")
        if str(raw_id).isascii() and str(raw_id).isdigit()
    ]
    raw[anonymity.NOT_PEOPLE_FIELD] = anonymity.not_people_from_form(form)
    return parse(raw, form_type=form_type)
