from __future__ import annotations

import logging

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from app import background
from app.auth import emails, services, signing_in, throttle, two_step
from app.auth.blueprint import bp
from app.auth.forms import (
    ConfirmAccountForm,
    CreateAccountForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SignInForm,
)
from app.auth.models import User
from app.auth.passwords import hash_password
from app.auth.sessions import revoke_session, touch_session
from app.auth.signed_in import SESSION_TOKEN_KEY
from app.db import get_session
from app.extensions import limiter
from app.policy import current_policy
from app.security import no_store
from app.security_log import account_tag, security_event


@bp.route("/create-account", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_FORMS_LIMIT_PER_ADDRESS"], methods=["POST"])
def create_account() -> str | Response:
    form = CreateAccountForm(policy=current_policy())
    if form.validate_on_submit():
        # Hashed here whatever the address, so the answer takes as long either way; who
        # gets which email is decided after the answer has gone (GOV.UK pattern).
        background.run_later(
            emails.answer_account_request,
            full_name=form.full_name.data or "",
            email=form.email.data or "",
            registration_number=form.registration_number.data or None,
            password_hash=hash_password(form.password.data or ""),
        )
        session["account_requested_for"] = form.email.data
        security_event(
            "account_requested", level=logging.INFO, account=account_tag(form.email.data or "")
        )
        return redirect(url_for("auth.account_check_your_email"))
    return render_template("pages/auth/create-account.html", form=form)


@bp.route("/create-account/check-your-email")
def account_check_your_email() -> Response:
    return no_store(
        render_template(
            "pages/auth/account-check-your-email.html", email=session.get("account_requested_for")
        )
    )


@bp.route("/create-account/confirm/<token>", methods=["GET", "POST"])
def confirm_account(token: str) -> Response:
    db = get_session()
    pending = services.find_pending_account(db=db, token=token)
    if pending is None:
        security_event("confirm_link_invalid")
        return no_store(render_template("pages/auth/confirm-link-expired.html"), 404)
    form = ConfirmAccountForm()
    # A button, not the link itself: mail scanners that follow links must not use it up.
    if form.validate_on_submit():
        try:
            user = services.confirm_account(db=db, policy=current_policy(), pending=pending)
        except services.EmailAlreadyRegistered:
            return no_store(render_template("pages/auth/confirm-link-expired.html"), 404)
        signing_in.start(user)
        security_event("account_confirmed", level=logging.INFO)
        flash("Your online account has been created", "success")
        response = redirect(url_for("account.home"))
        throttle.remember_device(response, email=user.email)
        return response
    return no_store(
        render_template("pages/auth/confirm-account.html", form=form, email=pending.email)
    )


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return redirect(signing_in.safe_next(request.args.get("next")))
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        email = form.email.data or ""
        # Counted before the password is checked (a refusal raises the 429 page).
        attempt = throttle.count_sign_in(email)
        user = services.authenticate(
            db=get_session(), email=email, password=form.password.data or ""
        )
        if user is not None:
            attempt.refund()  # a right password costs nothing
            shared_device = bool(form.shared_device.data)
            if user.id is not None and two_step.is_on(db=get_session(), user_id=user.id):
                return signing_in.ask_for_second_step(user, shared_device=shared_device)
            return signing_in.finish(
                user, shared_device=shared_device, next_path=request.args.get("next")
            )
        failed = True
        security_event(
            "sign_in_failed",
            account=account_tag(email),
            known_device=throttle.is_trusted_device(email),
        )
        # One message for both "no such account" and "wrong password".
        form.email.errors = ["Enter a correct email address and password"]
        form.password.data = ""
    return render_template(
        "pages/auth/sign-in.html",
        form=form,
        failed=failed,
        ended_because=g.get("session_ended_because"),
        next_path=request.args.get("next"),
    )


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> Response:
    token = session.get(SESSION_TOKEN_KEY)
    if token:
        revoke_session(db=get_session(), token=token)
    security_event("signed_out", level=logging.INFO)
    logout_user()
    session.clear()
    response = redirect(url_for("auth.signed_out"))
    # Copies kept on this device (offline drafts, cached files) are personal data on a
    # possibly shared computer: the page's script has sent pending ones already.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/session/keep-alive", methods=["POST"])
@login_required
def keep_alive() -> tuple[str, int]:
    """The timeout warning's "Stay signed in": the session's idle clock starts again."""
    touch_session(db=get_session(), token=session[SESSION_TOKEN_KEY])
    return "", 204


@bp.route("/signed-out")
def signed_out() -> str:
    return render_template("pages/auth/signed-out.html")


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ACCOUNT_FORMS_LIMIT_PER_ADDRESS"], methods=["POST"])
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The look-up, the token and the email happen after the answer: the same answer
        # in the same time whether or not there is an account.
        background.run_later(emails.send_reset_link, email=form.email.data or "")
        session["reset_requested_for"] = form.email.data
        security_event(
            "password_reset_requested",
            level=logging.INFO,
            account=account_tag(form.email.data or ""),
        )
        return redirect(url_for("auth.check_your_email"))
    return render_template("pages/auth/forgot-password.html", form=form)


@bp.route("/forgot-password/check-your-email")
def check_your_email() -> Response:
    return no_store(
        render_template(
            "pages/auth/check-your-email.html", email=session.get("reset_requested_for")
        )
    )


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response:
    db = get_session()
    reset = services.find_valid_reset(db=db, token=token)
    if reset is None:
        security_event("reset_link_invalid")
        return no_store(render_template("pages/auth/reset-link-expired.html"), 404)
    user = db.get(User, reset.user_id)
    assert user is not None
    form = ResetPasswordForm(policy=current_policy(), email=user.email, full_name=user.full_name)
    if form.validate_on_submit():
        if not services.complete_password_reset(
            db=db, reset=reset, new_password=form.password.data or ""
        ):
            # Another request used the link first (a double-click, or an attacker).
            security_event("reset_link_invalid")
            return no_store(render_template("pages/auth/reset-link-expired.html"), 404)
        security_event("password_reset_completed", level=logging.INFO, account_id=user.id)
        background.run_later(emails.send_password_changed, user_id=user.id)
        logout_user()
        session.clear()
        flash("Your password has been changed. Sign in with your new password.", "success")
        response = redirect(url_for("auth.sign_in"))
        # Whoever can read the account's email is its owner: strangers' failed attempts
        # must not keep them from signing in with the new password.
        throttle.remember_device(response, email=user.email)
        return response
    # The address has a one-time token and the page names the account: keep no copy.
    return no_store(render_template("pages/auth/reset-password.html", form=form, user=user))
