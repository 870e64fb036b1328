"""Account controls for a signed-in person: change the password, see signed-in devices,
sign out everywhere else."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app import background, dates
from app.attempts import Limit, count_attempt
from app.auth import emails, services
from app.auth.blueprint import bp
from app.auth.forms import ChangePasswordForm, SignOutOthersForm
from app.auth.passwords import password_matches
from app.auth.sessions import active_sessions, hash_token, revoke_other_sessions
from app.auth.signed_in import SESSION_TOKEN_KEY, signed_in_user
from app.db import get_session
from app.policy import current_policy
from app.security_log import security_event


def password_guesses(view: Callable[..., ResponseReturnValue]) -> Callable[..., Response]:
    """Guessing the password here is guessing a sign-in: a post is counted for the
    account before the view checks the password (app/attempts.py; a refusal raises the
    429 page), and given back when the view redirects, as it does only for a right
    password."""

    @functools.wraps(view)
    def counted(*args: Any, **kwargs: Any) -> Response:
        # The password this form checks (changing it asks for the current one). A post
        # without one guesses nothing (the form only says it is missing): not counted,
        # or a few empty forms would lock the person out of their own account pages.
        guessed = request.form.get("current_password", request.form.get("password", ""))
        if request.method != "POST" or not guessed:
            return make_response(view(*args, **kwargs))
        attempt = count_attempt(
            Limit(
                current_app.config["SIGN_IN_LIMIT_PER_DEVICE"],
                "account-password",
                f"user:{current_user.get_id()}",
            )
        )
        response = make_response(view(*args, **kwargs))
        if response.status_code == 302:
            attempt.refund()
        return response

    return counted


@bp.route("/account/change-password", methods=["GET", "POST"])
@login_required
@password_guesses
def change_password() -> str | Response:
    user = signed_in_user()
    form = ChangePasswordForm(policy=current_policy(), email=user.email, full_name=user.full_name)
    if form.validate_on_submit():
        changed = services.change_password(
            db=get_session(),
            user=user,
            current_password=form.current_password.data or "",
            new_password=form.password.data or "",
            keep_token=session[SESSION_TOKEN_KEY],
        )
        if changed:
            security_event("password_changed", level=logging.INFO)
            background.run_later(emails.send_password_changed, user_id=user.id)
            flash("Your password has been changed. Other devices are signed out.", "success")
            return redirect(url_for("account.home"))
        security_event("password_change_refused")
        form.current_password.errors = ["Your current password is not correct"]
    return render_template("pages/auth/change-password.html", form=form)


def _devices_page(form: SignOutOthersForm) -> str:
    records = active_sessions(
        db=get_session(), user_id=int(current_user.get_id()), policy=current_policy()
    )
    return render_template(
        "pages/auth/devices.html",
        sessions=records,
        this_session=hash_token(session[SESSION_TOKEN_KEY]),
        form=form,
        format_moment=dates.format_moment,
    )


@bp.route("/account/devices")
@login_required
def devices() -> str:
    return _devices_page(SignOutOthersForm())


@bp.route("/account/devices/sign-out-others", methods=["POST"])
@login_required
@password_guesses
def sign_out_others() -> str | Response:
    form = SignOutOthersForm()
    if form.validate_on_submit():
        if password_matches(current_user.password_hash, form.password.data or ""):
            revoke_other_sessions(
                db=get_session(),
                user_id=int(current_user.get_id()),
                keep_token=session[SESSION_TOKEN_KEY],
            )
            security_event("signed_out_other_devices", level=logging.INFO)
            flash("You have signed out on every other device", "success")
            return redirect(url_for("auth.devices"))
        security_event("password_check_refused")
        form.password.errors = ["Your password is not correct"]
    return _devices_page(form)
