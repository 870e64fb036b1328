"""Account emails, sent by background jobs (app/background.py) so that a request
answers in the same time whether or not the address has an account."""

from __future__ import annotations

from flask import render_template

from app import mail
from app.auth import services
from app.auth.models import User
from app.db import get_session
from app.links import public_url
from app.policy import current_policy


def send_reset_link(*, email: str) -> None:
    issued = services.issue_password_reset(db=get_session(), policy=current_policy(), email=email)
    if issued is None:
        return
    link = public_url("auth.reset_password", token=issued.token)
    mail.send_mail(
        to=issued.user.email,
        subject="Reset your Record CPD password",
        body=render_template("emails/reset-password.txt", user=issued.user, link=link),
    )


def answer_account_request(
    *, full_name: str, email: str, registration_number: str | None, password_hash: str
) -> None:
    policy = current_policy()
    request = services.request_account(
        db=get_session(),
        policy=policy,
        full_name=full_name,
        email=email,
        registration_number=registration_number,
        password_hash=password_hash,
    )
    if request.existing is not None:
        send_address_in_use(
            owner=request.existing,
            subject=f"Someone tried to create a {policy.service_name} account",
            template="emails/account-exists.txt",
        )
        return
    mail.send_mail(
        to=request.email,
        subject=f"Confirm your email address for {policy.service_name}",
        body=render_template(
            "emails/confirm-account.txt",
            full_name=request.full_name,
            link=public_url("auth.confirm_account", token=request.token),
        ),
    )


def send_address_in_use(*, owner: User, subject: str, template: str) -> None:
    """To the owner of an address someone asked to use, for a new account or for another
    account: they hear of it, with the ways in they may need; the asker learns nothing."""
    mail.send_mail(
        to=owner.email,
        subject=subject,
        body=render_template(
            template,
            user=owner,
            sign_in=public_url("auth.sign_in"),
            reset=public_url("auth.forgot_password"),
        ),
    )


def send_password_changed(*, user_id: int) -> None:
    """Tells the owner, so a change they did not make does not go unnoticed."""
    user = get_session().get(User, user_id)
    if user is None:
        return
    policy = current_policy()
    mail.send_mail(
        to=user.email,
        subject=f"Your {policy.service_name} password has been changed",
        body=render_template(
            "emails/password-changed.txt", user=user, reset=public_url("auth.forgot_password")
        ),
    )
