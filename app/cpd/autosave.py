"""Endpoints for the JavaScript enhancement (htmx): autosave when a field loses focus,
and the live character count. Each answers with a fragment the page already includes,
so the page and the fragment are the same markup."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user

from app.cpd import bp, rules, services
from app.cpd.kept import signed_in_keeping_posts
from app.cpd.models import CpdRecord
from app.db import get_session
from app.policy import current_policy


def _fragment(template: str, status: int = 200, **context: object) -> tuple[str, int, dict]:
    # Vary: the same URL answers a plain request differently (or not at all).
    return render_template(template, **context), status, {"Vary": "HX-Request"}


def _has_anything(answers: dict) -> bool:
    return any((value.strip() if isinstance(value, str) else value) for value in answers.values())


@bp.route("/your-cpd/autosave", methods=["POST"])
@signed_in_keeping_posts
def autosave() -> tuple[str, int, dict]:
    """Keep the form as a draft: never checks mandatory answers (no errors on blur) and
    never un-records recorded CPD (changes to it become a pending draft)."""
    form_type = request.form.get("form_type", "")
    if form_type not in rules.FORM_TYPES:
        abort(400)
    answers = services.answers_from_form(request.form, form_type)
    record_id = request.form.get("record_id", "").strip()
    editor = request.form.get("editor", "").strip()[:64] or None
    owner_id = int(current_user.id)
    headers_extra: dict[str, str] = {}
    record: CpdRecord | None = None
    if record_id:
        try:
            record = services.get_record(get_session(), owner_id=owner_id, record_id=int(record_id))
        except (services.RecordNotFound, ValueError):
            abort(404)
    elif editor:
        # The page's button press may have created the record before this autosave.
        record = services.find_by_editor(get_session(), owner_id=owner_id, editor=editor)
    if record is not None:
        if record.form_type != form_type:
            abort(400)
        try:
            version = int(request.form.get("version", ""))
        except ValueError:
            version = None
        try:
            services.save_record(
                get_session(),
                record,
                answers=answers,
                action=services.DRAFT_ACTION,
                based_on_version=version,
                policy=current_policy(),
                editor=editor,
                autosave=True,
            )
        except services.VersionConflict as conflict:
            return _fragment(
                "pages/cpd/_autosave-status.html", 409, conflict=True, record=conflict.record
            )
    else:
        if not _has_anything(answers):
            return _fragment("pages/cpd/_autosave-status.html", record=None)
        result = services.create_record(
            get_session(),
            owner_id=int(current_user.id),
            form_type=form_type,
            answers=answers,
            action=services.DRAFT_ACTION,
            policy=current_policy(),
            editor=editor,
            autosave=True,
        )
        record = result.record
        assert record is not None and record.id is not None
        # The address bar now points at the draft, so a reload comes back to it.
        headers_extra["HX-Replace-Url"] = url_for("cpd.edit_record", record_id=record.id)
    body, status, headers = _fragment(
        "pages/cpd/_autosave-status.html",
        record=record,
        saved_at=current_policy().local(record.updated_at).strftime("%H:%M"),
        refresh_state=True,
    )
    return body, status, {**headers, **headers_extra}


@bp.route("/your-cpd/count/<field>", methods=["POST"])
def count(field: str) -> tuple[str, int, dict]:
    """The live count for one limited box. Needs no account (it stores nothing), so
    counting keeps working even if the session has just expired."""
    if field not in current_policy().character_limits:
        abort(404)
    return _fragment(
        "components/character-count.html",
        name=field,
        limit=current_policy().limit(field),
        value=request.form.get(field, ""),
        live=True,
    )
