"""Endpoints for the JavaScript enhancement (htmx): autosave when a field loses focus,
and the live character count. Each answers with a fragment the page already includes,
so the page and the fragment are the same markup."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, render_template, request, url_for

from app.cpd import form_views
from app.cpd.blueprint import bp
from app.cpd.guard import signed_in_keeping_posts
from app.extensions import limiter
from app.layout import kept_template
from app.policy import current_policy
from app.request_limits import live_check_rate, person_or_address


def _fragment(template: str, status: int = 200, **context: object) -> tuple[str, int, dict]:
    # Vary: the same URL answers a plain request differently (or not at all).
    return render_template(template, **context), status, {"Vary": "HX-Request"}


_SAVED = "pages/cpd/_autosave-status.html"


def _saved_fragment(
    *, is_recorded: bool, record_id: object, version: object, saved_at: object
) -> tuple[str, int, dict]:
    """The status line of a kept draft, with the form's new record and version: the
    same template, kept once for drafts and once for recorded CPD (app/layout.py), its
    id, version and time filled in per autosave (rendering it was a tenth of one)."""

    def render(record_id: object, version: object, saved_at: object) -> str:
        record = SimpleNamespace(id=record_id, version=version, is_recorded=is_recorded)
        return render_template(_SAVED, record=record, saved_at=saved_at, refresh_state=True)

    body = kept_template(
        _SAVED, is_recorded, render, record_id=record_id, version=version, saved_at=saved_at
    )
    return body, 200, {"Vary": "HX-Request"}


@bp.route("/your-cpd/autosave", methods=["POST"])
@signed_in_keeping_posts
def autosave() -> tuple[str, int, dict]:
    """Keep the form as a draft: never checks mandatory answers (no errors on blur) and
    never un-records recorded CPD (changes to it become a pending draft)."""
    saved = form_views.save_page_posted(request.form.get("form_type", ""), autosave=True)
    if saved.conflict is not None:
        return _fragment(
            "pages/cpd/_autosave-status.html", 409, conflict=True, record=saved.conflict
        )
    # An autosave of the record its page names is saved without loading it (autosaved).
    record = saved.autosaved or saved.record
    if record is None:  # nothing typed yet: nothing to keep
        return _fragment("pages/cpd/_autosave-status.html", record=None)
    body, status, headers = _saved_fragment(
        is_recorded=record.is_recorded,
        record_id=record.id,
        version=record.version,
        saved_at=current_policy().local(record.updated_at).strftime("%H:%M"),
    )
    if saved.page_learns_its_record:
        # The address bar now points at the draft, so a reload comes back to it.
        headers["HX-Replace-Url"] = url_for("cpd.edit_record", record_id=record.id)
    return body, status, headers


@bp.route("/your-cpd/count/<field>", methods=["POST"])
@limiter.limit(live_check_rate, key_func=person_or_address)
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
