"""Continuing professional development records: Your CPD, the two forms, view, edit,
history, delete and restore."""

from __future__ import annotations

from app.cpd.blueprint import bp


@bp.context_processor
def cpd_template_helpers() -> dict[str, object]:
    from app import questions, uploads
    from app.cpd import anonymity, presenters, rules
    from app.renewal import rules as renewal_rules

    return {
        "renewal_rules": renewal_rules,
        "rules": rules,
        "questions": questions,
        "presenters": presenters,
        "count_attributes": presenters.count_attributes,
        "anonymity": anonymity,
        "cpd_documents": uploads,
    }


@bp.app_template_test("about_people")
def about_people(finding: str) -> bool:
    """The anonymisation warning words a person or place whole (app/cpd/anonymity.py)."""
    from app.cpd import anonymity

    return anonymity.about_people(finding)


from flask_wtf.csrf import CSRFError  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from app.cpd import (  # noqa: E402,F401  (registers the routes)
    autosave,
    busy,
    deletion_views,
    document_views,
    form_views,
    guard,
    history_views,
    listing_views,
    record_views,
    refused,
)

bp.register_error_handler(CSRFError, guard.csrf_failed_on_a_form)
bp.register_error_handler(OperationalError, busy.database_busy)
