"""Notices about two-step sign-in, sent after the answer (app/background.py): each change,
and each use of a recovery code, so that one the owner did not make does not go unseen."""

from __future__ import annotations

from flask import render_template

from app import mail
from app.auth import two_step
from app.auth.models import User
from app.db import get_session
from app.links import public_url
from app.policy import current_policy

# kind: (subject, what happened), each finished with " for/to your <service> account".
NOTICES = {
    "turned_on": ("Two-step sign-in was turned on", "Two-step sign-in was turned on"),
    "turned_off": ("Two-step sign-in was turned off", "Two-step sign-in was turned off"),
    "new_codes": (
        "New recovery codes were made",
        "New recovery codes were made. The old ones no longer work",
    ),
    "code_used": (
        "A recovery code was used to sign in",
        "A recovery code was used to sign in",
    ),
}


def send_two_step_notice(*, user_id: int, kind: str) -> None:
    db = get_session()
    user = db.get(User, user_id)
    if user is None:
        return
    policy = current_policy()
    subject, happened = NOTICES[kind]
    preposition = "to" if kind == "code_used" else "for"
    mail.send_mail(
        to=user.email,
        subject=f"{subject} {preposition} your {policy.service_name} account",
        body=render_template(
            "emails/two-step-notice.txt",
            user=user,
            happened=f"{happened} {preposition} your {policy.service_name} account.",
            codes_left=two_step.recovery_codes_left(db=db, user_id=user_id)
            if kind == "code_used"
            else None,
            reset=public_url("auth.forgot_password"),
        ),
    )
