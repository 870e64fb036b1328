"""The one adapter between WTForms fields and GOV.UK Frontend macro parameters.

Templates call e.g. ``govukInput(field_params(form.email, {"autocomplete": "email"}))``:
the id, name, value, label and error message come from the field, so every form shows
errors the same way and the error summary links land on the right input.
"""

from __future__ import annotations

from typing import Any

from wtforms import Field

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
