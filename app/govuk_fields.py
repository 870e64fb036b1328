"""The one adapter between WTForms fields and GOV.UK Frontend macro parameters.

Templates call e.g. ``govukInput(field_params(form.email, {"autocomplete": "email"}))``:
the id, name, value, label and error message come from the field, so every form shows
errors the same way and the error summary links land on the right input.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from functools import partial
from types import NoneType
from typing import Any

from flask import current_app
from jinja2 import Environment
from markupsafe import Markup
from wtforms import Field

from app.layout import layout_piece

# Never echo these back into the page.
_SECRET_FIELD_TYPES = {"PasswordField"}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def field_params(field: Field, params: dict[str, Any] | None = None) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": field.id,
        "name": field.name,
        "label": {"text": field.label.text},
    }
    if field.type not in _SECRET_FIELD_TYPES:
        base["value"] = field._value()
    if field.errors:
        base["errorMessage"] = {"text": field.errors[0]}
    return _merge(base, params or {})


def error_list(form: Any) -> list[dict[str, str]]:
    """Error summary entries, in the order the fields appear on the page."""
    return [{"text": field.errors[0], "href": f"#{field.id}"} for field in form if field.errors]


# GOV.UK Frontend's field macros that a form may render through ``kept_fields``.
_FIELD_MACROS = {
    "govukInput": "input",
    "govukTextarea": "textarea",
    "govukDateInput": "date-input",
    "govukCheckboxes": "checkboxes",
    "govukRadios": "radios",
    "govukFileUpload": "file-upload",
}


def _answered(component: str, params: Mapping[str, Any]) -> bool:
    """Whether a field's parameters carry anything of the person's: an answer (typed,
    chosen or dated) or an error about it."""
    if params.get("errorMessage") or params.get("value") or params.get("values"):
        return True
    items = params.get("items") or ()
    if component == "date-input":
        return any(item.get("value") for item in items)
    return any(item.get("checked") for item in items)


def _key(value: Any) -> Hashable:
    """``value`` (macro parameters: dicts, lists, strings, numbers) as a dict key that
    tells apart what the macro would print differently: Markup from plain text
    (which is escaped), True from 1."""
    if isinstance(value, Mapping):
        return ("{", *((key, _key(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return ("[", *(_key(item) for item in value))
    if isinstance(value, str | int | float | NoneType):
        return (type(value).__name__, value)
    raise TypeError(f"not a macro parameter: {type(value).__name__}")


def kept_fields(*names: str) -> tuple[Callable[[dict[str, Any]], Markup], ...]:
    """GOV.UK Frontend's field macros (``govukInput``, ...) for a template to call as it
    would the macros themselves, with the same HTML.

    A field with no answer and no error renders the same for everyone who sees it: its
    HTML depends only on its parameters (the question's label, hint and choices, as the
    policy words them). So its HTML is rendered once and kept, keyed by those
    parameters, and given again to the next page with the same field; a field that
    holds something of the person's is rendered afresh and never kept. The first visit
    to a form, every question unanswered, renders no field macro at all once warm."""
    return tuple(partial(_kept_field, name) for name in names)


def _kept_field(name: str, params: dict[str, Any]) -> Markup:
    component = _FIELD_MACROS[name]
    macro = _field_macro(current_app.jinja_env, component, name)
    if _answered(component, params):
        return macro(params)
    try:
        variant = _key(params)
    except TypeError:  # something no key can stand for (an Undefined): render it
        return macro(params)
    # A piece with no holes: the macro's HTML for these parameters (app/layout.py).
    return layout_piece(name, variant, macro, params)


def _field_macro(env: Environment, component: str, name: str) -> Callable[..., Markup]:
    template = env.get_template(f"govuk_frontend_jinja/components/{component}/macro.html")
    macro: Callable[..., Markup] = getattr(template.module, name)
    return macro
