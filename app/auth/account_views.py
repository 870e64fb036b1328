"""Account controls for a signed-in person: change the password, see signed-in devices,
sign out everywhere else."""

from __future__ import annotations

import logging

from flask import (
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app import background, dates
from app.auth import emails, services, throttle
from app.auth.blueprint import bp
from app.auth.forms import ChangePasswordForm, SignOutOthersForm
from app.auth.passwords import password_matches
from app.auth.sessions import active_sessions, hash_token, revoke_other_sessions
from app.auth.signed_in import SESSION_TOKEN_KEY, signed_in_user
from app.db import get_session
from app.policy import current_policy
from app.security_log import security_event


@bp.route("/account/change-password", methods=["GET", "POST"])
@login_required
@throttle.password_guesses
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
@throttle.password_guesses
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
