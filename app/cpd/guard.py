"""What a CPD form's post meets before its view. Signed in: the view. Signed out: the
form is kept for its owner if it can be shown to be theirs (app/cpd/kept.py), and
comes back after signing in; if not, it is refused with its words shown back
(app/cpd/refused.py). The same for a form whose CSRF token no longer matches."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import flash, g, redirect, render_template, request
from flask_login import current_user

from app.auth.models import User
from app.auth.signed_in import ended_session_user_id
from app.cpd.kept import (
    FORM_ENDPOINTS,
    SIGNED_OUT,
    STALE_PAGE,
    keep_posted_form,
    owner_from_form,
    restore_url,
    stale_token_of_this_session,
)
from app.cpd.refused import UNTRUSTED, refused_page
from app.db import get_session
from app.errors import STALE_PAGE as STALE_PAGE_MESSAGE
from app.errors import page_or_fragment
from app.extensions import login_manager
from app.policy import current_policy
from app.security_log import security_event


def kept_message() -> str:
    hours = current_policy().kept_form_hours
    period = f"{hours // 24} days" if hours % 24 == 0 and hours >= 48 else f"{hours} hours"
    return (
        "You were signed out, so we kept what you sent. Sign in again and it will be back "
        f"on the form. We keep it for {period}."
    )


def _keep_for_ended_session(*, csrf_passed: bool) -> bool:
    """Keep a signed-out post for its owner, if it can be shown to be theirs: its page's
    kept_for, or (for a post that passed the CSRF check, or carried a stale token of
    this browser's own session) the person whose session ended in this browser."""
    user_id = owner_from_form()
    if user_id is None and (csrf_passed or stale_token_of_this_session()):
        user_id = ended_session_user_id()
    if user_id is None or get_session().get(User, user_id) is None:
        return False
    kept = keep_posted_form(
        get_session(), user_id=user_id, policy=current_policy(), reason=SIGNED_OUT
    )
    if kept is None:
        return False
    g.return_to = restore_url(kept)
    g.kept_form = kept
    if request.headers.get("HX-Request") != "true":
        flash(kept_message(), "info")
    return True


def signed_in_keeping_posts(view: Callable[..., Any]) -> Callable[..., Any]:
    """Like login_required, but a signed-out post is kept before going to sign in."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_authenticated:
            return view(*args, **kwargs)
        kept = request.method == "POST" and _keep_for_ended_session(csrf_passed=True)
        if request.method == "POST" and not kept and request.headers.get("HX-Request") != "true":
            page = refused_page(SIGNED_OUT, 401)
            if page is not None:
                return page
        return login_manager.unauthorized()

    return wrapper


def csrf_failed_on_a_form(error: Exception) -> Any:
    """A CPD form whose CSRF token does not match. Its answers are kept and put back on
    the form only if the post shows it is the person's own (their page's kept_for, or a
    stale token of their own session): otherwise it may be another website posting
    with their cookie, and nothing of it is written (SameSite is not in every browser)."""
    security_event("csrf_failed", reason=getattr(error, "description", str(error)))
    # An htmx check gets a sentence for its box, not the page (issue 23).
    refused = page_or_fragment("errors/csrf.html", STALE_PAGE_MESSAGE, 400)
    if request.endpoint not in FORM_ENDPOINTS or request.method != "POST":
        return refused
    htmx = request.headers.get("HX-Request") == "true"
    if not current_user.is_authenticated:
        # Signed out, kept or not (a page shown before its owner signed out is not kept
        # for them): an autosave says so, with the way to sign in again, and the words
        # stay on the page (and the device); "could not be saved just now" is untrue.
        if _keep_for_ended_session(csrf_passed=False) or htmx:
            return login_manager.unauthorized()
    elif owner_from_form() == int(current_user.id) or stale_token_of_this_session():
        kept = keep_posted_form(
            get_session(), user_id=int(current_user.id), policy=current_policy(), reason=STALE_PAGE
        )
        if kept is not None and not htmx:
            return redirect(restore_url(kept))
    if htmx:
        body = render_template("pages/cpd/_autosave-status.html", failed=True)
        return body, 400, {"Vary": "HX-Request"}
    reason = UNTRUSTED if current_user.is_authenticated else SIGNED_OUT
    return refused_page(reason, 400) or refused
