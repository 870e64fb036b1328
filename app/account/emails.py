"""Emails about account changes, sent by background jobs (app/background.py): the page
answers the same, as fast, whether or not the new address already has an account."""

from __future__ import annotations

from flask import render_template

from app import mail
from app.account import services
from app.auth.emails import send_address_in_use
from app.db import get_session
from app.links import public_url
from app.policy import current_policy


def answer_email_change(*, user_id: int, email: str) -> None:
    policy = current_policy()
    request = services.request_email_change(
        db=get_session(), policy=policy, user_id=user_id, email=email
    )
    if request is None:
        return
    if request.owner is not None:
        send_address_in_use(
            owner=request.owner,
            subject=f"Someone tried to use your email address for {policy.service_name}",
            template="emails/email-in-use.txt",
        )
        return
    mail.send_mail(
        to=request.email,
        subject=f"Confirm your new email address for {policy.service_name}",
        body=render_template(
            "emails/confirm-new-email.txt",
            user=request.user,
            link=public_url("account.confirm_email", token=request.token),
        ),
    )


def send_email_changed(*, full_name: str, old_email: str) -> None:
    """To the address the account had: if someone else moved it, the owner finds out
    where they still read their email."""
    policy = current_policy()
    mail.send_mail(
        to=old_email,
        subject=f"The email address for your {policy.service_name} account has been changed",
        body=render_template("emails/email-changed.txt", full_name=full_name),
    )
