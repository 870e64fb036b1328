"""A CPD form the service must refuse to save (its sender is signed out and the post
cannot be shown to be theirs, or its CSRF token cannot be trusted: perhaps another
website posting with the person's cookie) is never written to any account. But its
words are not thrown away either: the refusal shows them back in the same form, says
why, and offers to sign in and save them.

Pressing "Sign in to save it" holds the words in this browser's session (not in any
account) while its writer signs in; after signing in they are put back on the form,
still unsaved, for the person to check and save. A form whose page was shown to one
person (its signed ``kept_for``) is put back only for that person."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.signed_in import UNSAVED_FORM_KEY
from app.cpd import rules, services
from app.cpd.blueprint import bp
from app.cpd.kept import SIGNED_OUT, claimed_owner
from app.cpd.page import read_page_post
from app.db import get_session

# The most a refused form's words may take in the browser's session while its writer
# signs in: every box of the longest form at its limit, several times over.
MAX_HELD_BYTES = 256 * 1024

UNTRUSTED = "untrusted"


def _form_type() -> str | None:
    record_id = (request.view_args or {}).get("record_id")
    form_type = (request.view_args or {}).get("form_type") or request.form.get("form_type")
    if record_id is not None and current_user.is_authenticated:
        try:
            record = services.get_record(
                get_session(), owner_id=int(current_user.id), record_id=int(record_id)
            )
            form_type = record.form_type
        except services.RecordNotFound:
            pass
    return form_type if form_type in rules.FORM_TYPES else None


def refused_page(reason: str, status: int) -> tuple[str, int] | None:
    """The refusal of this request's CPD form, with every answer it sent; None if the
    post holds no CPD form."""
    form_type = _form_type()
    if form_type is None:
        return None
    record_id = (request.view_args or {}).get("record_id") or request.form.get("record_id")
    return _refusal(reason, form_type, record_id, status)


def _refusal(
    reason: str, form_type: str, record_id: object, status: int, *, too_long: bool = False
) -> tuple[str, int]:
    """The refused form page: this request's answers back in their boxes, and what the
    page stood on (its record, version, token and owner) carried on in hidden fields."""
    post = read_page_post(request.form, request.files, form_type=form_type)
    files = [upload.filename for _, upload in request.files.items(multi=True) if upload.filename]
    return (
        render_template(
            "pages/cpd/refused.html",
            reason=reason,
            form_type=form_type,
            answers=post.answers,
            problems={},
            hidden={
                "form_type": form_type,
                "record_id": str(record_id or ""),
                "version": "" if post.version is None else str(post.version),
                "editor": post.editor or "",
                "kept_for": request.form.get("kept_for", ""),
            },
            files_not_kept=files,
            too_long=too_long,
        ),
        status,
    )


@bp.route("/your-cpd/sign-in-to-save", methods=["POST"])
def hold_until_signed_in() -> str | tuple[str, int] | Response:
    """Hold a refused form's words in this browser's session, then sign in."""
    form_type = request.form.get("form_type", "")
    if form_type not in rules.FORM_TYPES:
        return redirect(url_for("cpd.your_cpd"))
    post = read_page_post(request.form, request.files, form_type=form_type)
    record_id = request.form.get("record_id", "")
    held = {
        "form_type": form_type,
        "answers": post.answers,
        "record_id": int(record_id) if record_id.isdigit() else None,
        "version": post.version,
        "editor": post.editor,
        # Whose page it was, if it says so (signed): only they get it back.
        "owner": claimed_owner(request.form.get("kept_for")),
    }
    if len(json.dumps(held)) > MAX_HELD_BYTES:
        return _refusal(SIGNED_OUT, form_type, record_id, 400, too_long=True)
    session[UNSAVED_FORM_KEY] = held
    if current_user.is_authenticated:
        return redirect(url_for("cpd.unsaved"))
    flash("Sign in to save your CPD. It will be back on the form, ready to save.", "info")
    return redirect(url_for("auth.sign_in", next=url_for("cpd.unsaved")))
