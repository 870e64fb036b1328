"""Changing the name, registration number and email address, and deleting the account."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app import background
from app.account import emails, services
from app.account.blueprint import bp
from app.account.forms import (
    ChangeEmailForm,
    ChangeNameForm,
    ChangeRegistrationNumberForm,
    DeleteAccountForm,
)
from app.auth import throttle
from app.auth.models import User
from app.auth.passwords import password_matches
from app.auth.services import normalise_email
from app.auth.signed_in import SHARED_DEVICE_KEY, signed_in_user
from app.db import get_session
from app.policy import current_policy
from app.security import no_store
from app.security_log import security_event

EMAIL_CHANGE_KEY = "email_change_requested_for"


def _user() -> User:
    return signed_in_user()


@bp.route("/account/change-name", methods=["GET", "POST"])
@login_required
def change_name() -> str | Response:
    form = ChangeNameForm(obj=_user())
    if form.validate_on_submit():
        services.change_name(db=get_session(), user=_user(), full_name=form.full_name.data or "")
        flash("Your name has been changed", "success")
        return redirect(url_for("account.home"))
    return render_template("pages/account/change-name.html", form=form)


@bp.route("/account/change-registration-number", methods=["GET", "POST"])
@login_required
def change_registration_number() -> str | Response:
    policy = current_policy()
    form = ChangeRegistrationNumberForm(obj=_user(), policy=policy)
    if form.validate_on_submit():
        services.change_registration_number(
            db=get_session(),
            user=_user(),
            policy=policy,
            registration_number=form.registration_number.data,
        )
        flash("Your registration number has been changed", "success")
        return redirect(url_for("account.home"))
    return render_template("pages/account/change-registration-number.html", form=form)


@bp.route("/account/change-email", methods=["GET", "POST"])
@login_required
@throttle.password_guesses
def change_email() -> str | Response:
    user = _user()
    form = ChangeEmailForm(current_email=user.email)
    if form.validate_on_submit():
        if password_matches(user.password_hash, form.password.data or ""):
            # Whether the address is free is decided after the answer has gone (the
            # same page either way), as sign-up does.
            background.run_later(
                emails.answer_email_change, user_id=user.id, email=form.email.data or ""
            )
            session[EMAIL_CHANGE_KEY] = normalise_email(form.email.data or "")
            security_event("email_change_requested", level=logging.INFO)
            return redirect(url_for("account.email_check_your_email"))
        security_event("password_check_refused")
        form.password.errors = ["Your password is not correct"]
    return render_template("pages/account/change-email.html", form=form)


@bp.route("/account/change-email/check-your-email")
@login_required
def email_check_your_email() -> Response:
    return no_store(
        render_template(
            "pages/account/email-check-your-email.html", email=session.get(EMAIL_CHANGE_KEY)
        )
    )


@bp.route("/account/confirm-email/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> Response:
    """Works signed in or not: the link may be opened on a phone that reads the mail."""
    db = get_session()
    change = services.find_email_change(db=db, token=token)
    if change is None:
        security_event("email_link_invalid")
        return no_store(render_template("pages/account/email-link-expired.html"), 404)
    form = FlaskForm()
    # A button, not the link itself: mail scanners that follow links must not use it up.
    if not form.validate_on_submit():
        return no_store(
            render_template("pages/account/confirm-email.html", form=form, email=change.email)
        )
    changed = services.confirm_email_change(db=db, change=change)
    if changed is None:
        security_event("email_link_invalid")
        return no_store(render_template("pages/account/email-link-expired.html"), 404)
    security_event("email_changed", level=logging.INFO, account_id=changed.user.id)
    background.run_later(
        emails.send_email_changed, full_name=changed.user.full_name, old_email=changed.old_email
    )
    if current_user.is_authenticated and current_user.get_id() == str(changed.user.id):
        flash("Your email address has been changed", "success")
        response = redirect(url_for("account.home"))
        if not session.get(SHARED_DEVICE_KEY):
            # The device cookie names the account by its address: renew it, or this
            # browser counts as a stranger's at the next sign-in.
            throttle.remember_device(response, email=changed.user.email)
        return response
    flash("Your email address has been changed. Sign in with your new email address.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@throttle.password_guesses
def delete_account() -> str | Response:
    user = _user()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if password_matches(user.password_hash, form.password.data or ""):
            db = get_session()
            policy = current_policy()
            services.close_account(db=db, user=user)
            security_event(
                "account_deleted",
                level=logging.INFO,
                purge_after_days=policy.account_purge_delay_days,
            )
            if not policy.account_purge_delay_days:
                services.purge_account(db=db, user_id=int(user.get_id()))
            logout_user()
            session.clear()
            response = redirect(url_for("account.deleted"))
            # Copies kept on this device (offline drafts, cached pages) go too.
            response.headers["Clear-Site-Data"] = '"cache", "storage"'
            return response
        security_event("password_check_refused")
        form.password.errors = ["Your password is not correct"]
    return render_template("pages/account/delete.html", form=form)


@bp.route("/account/deleted")
def deleted() -> str:
    return render_template("pages/account/deleted.html")
