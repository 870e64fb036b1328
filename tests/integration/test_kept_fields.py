"""GOV.UK field macros through app/govuk_fields.py kept_fields: a field with nothing of
the person's in it is rendered once and kept; the HTML is the macro's own."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from markupsafe import Markup

from app.govuk_fields import kept_fields

pytestmark = pytest.mark.db

LABEL = {"text": "Title"}
CHOICES = [{"value": "4.1", "text": "4.1 Keep a record"}, {"value": "4.2", "text": "4.2 <Learn>"}]


def _macro(app: Flask, component: str, name: str) -> Any:
    path = f"govuk_frontend_jinja/components/{component}/macro.html"
    return getattr(app.jinja_env.get_template(path).module, name)


def _kept(app: Flask) -> dict:
    """The kept fields (app/layout.py's pieces named after a field macro)."""
    pieces = app.extensions["layout_pieces"]
    return {key: html for key, html in pieces.items() if key[0].startswith("govuk")}


def test_an_unanswered_field_is_kept_and_is_the_macros_own_html(app: Flask) -> None:
    params = {"idPrefix": "parts", "name": "parts", "items": CHOICES}
    with app.test_request_context():
        [checkboxes] = kept_fields("govukCheckboxes")
        first, again = checkboxes(params), checkboxes({**params})
        assert first == again == _macro(app, "checkboxes", "govukCheckboxes")(params)
    assert len(_kept(app)) == 1


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("govukInput", {"id": "title", "name": "title", "label": LABEL, "value": "Mrs Jones"}),
        (
            "govukTextarea",
            {"id": "t", "name": "t", "label": LABEL, "errorMessage": {"text": "Long"}},
        ),
        (
            "govukCheckboxes",
            {"name": "parts", "items": [{**CHOICES[0], "checked": True}, CHOICES[1]]},
        ),
        ("govukRadios", {"name": "kind", "items": CHOICES, "value": "4.1"}),
        (
            "govukDateInput",
            {"id": "d", "items": [{"name": "day", "value": "3"}, {"name": "month"}]},
        ),
    ],
)
def test_a_field_holding_an_answer_or_an_error_is_never_kept(
    app: Flask, name: str, params: dict[str, Any]
) -> None:
    """What a person typed, chose or got wrong must not stay in a worker's memory
    for the next page (or the next person)."""
    with app.test_request_context():
        [macro] = kept_fields(name)
        html = macro(params)
    assert _kept(app) == {}
    assert "govuk-" in html


def test_markup_and_text_that_read_alike_are_kept_apart(app: Flask) -> None:
    """Plain text is escaped and Markup is not, so they are different fields."""
    with app.test_request_context():
        [input_] = kept_fields("govukInput")
        text = input_({"id": "a", "name": "a", "label": LABEL, "hint": {"html": "<b>bold</b>"}})
        markup = input_(
            {"id": "a", "name": "a", "label": LABEL, "hint": {"html": Markup("<b>bold</b>")}}
        )
        escaped = input_({"id": "a", "name": "a", "label": LABEL, "hint": {"text": "<b>bold</b>"}})
    assert "<b>bold</b>" in text and "<b>bold</b>" in markup
    assert "&lt;b&gt;bold" in escaped
    assert len(_kept(app)) == 3
