"""Two-step sign-in pages: set up, the second step of signing in, turn off, new
recovery codes. Rules live in two_step.py; these read the form and call it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from sqlmodel import Session
from werkzeug.wrappers import Response

from app import background
from app.auth import signing_in, throttle, two_step, two_step_pending
from app.auth.blueprint import bp
from app.auth.models import User
from app.auth.passwords import password_matches
from app.auth.secret_box import SecretBox
from app.auth.signed_in import SESSION_TOKEN_KEY
from app.auth.two_step_emails import send_two_step_notice
from app.auth.two_step_forms import (
    NewRecoveryCodesForm,
    RecoveryCodeForm,
    SetUpForm,
    SignInCodeForm,
    TurnOffForm,
)
from app.db import get_session
from app.policy import Policy, current_policy
from app.security import no_store
from app.security_log import security_event

STATUS = "auth.two_step_status"


@bp.record_once
def _check_keys(state: BlueprintSetupState) -> None:
    # A wrong TWO_STEP_KEYS stops the app starting, not the first person setting up.
    state.app.extensions["two_step_box"] = _box_for(state.app.config)


def _box_for(config: Mapping[str, Any]) -> SecretBox:
    if config.get("TWO_STEP_KEYS"):
        return SecretBox.from_setting(config["TWO_STEP_KEYS"])
    return SecretBox.derived_from(config["SECRET_KEY"])


def _box() -> SecretBox:
    box: SecretBox = current_app.extensions["two_step_box"]
    return box


def _refuse(event: str, user_id: int) -> None:
    security_event(event, account_id=user_id)  # never the code itself


def _notify(kind: str, user_id: int) -> None:
    background.run_later(send_two_step_notice, user_id=user_id, kind=kind)


Accepted = TypeVar("Accepted", covariant=True)


class _CodeCheck(Protocol[Accepted]):
    """two_step.confirm_setup, use_app_code or use_either_code."""

    def __call__(
        self, *, db: Session, user_id: int, box: SecretBox, policy: Policy, code: str
    ) -> Accepted | None: ...


def _password_then_code(
    form: SetUpForm | NewRecoveryCodesForm | TurnOffForm,
    user: User,
    *,
    check: _CodeCheck[Accepted],
    refused: str,
    code_error: str,
) -> Accepted | None:
    """What ``check`` gives for the form's code if the password is right and the code
    accepted; else None, with the form's error, the refusal logged and counted towards
    the code limit. The password comes first: a wrong one must not use up a right code."""
    assert user.id is not None
    # Counted before either is checked (a refusal raises the 429 page); given back
    # when both were right.
    attempt = throttle.count_code_guess(user.id)
    if not password_matches(user.password_hash, form.password.data or ""):
        _refuse(refused, user.id)
        form.password.errors = ["Your password is not correct"]
        return None
    accepted = check(
        db=get_session(),
        user_id=user.id,
        box=_box(),
        policy=current_policy(),
        code=form.code.data or "",
    )
    if not accepted:
        _refuse(refused, user.id)
        form.code.errors = [code_error]
        return None
    attempt.refund()
    return accepted


# --- The account's pages ---------------------------------------------------------------------


@bp.route("/account/two-step-sign-in")
@login_required
def two_step_status() -> str:
    db, user_id = get_session(), int(current_user.get_id())
    return render_template(
        "pages/auth/two-step.html",
        on=two_step.is_on(db=db, user_id=user_id),
        codes_left=two_step.recovery_codes_left(db=db, user_id=user_id),
    )


@bp.route("/account/two-step-sign-in/set-up", methods=["GET", "POST"])
@login_required
def two_step_set_up() -> Response:
    db, user = get_session(), current_user._get_current_object()
    policy = current_policy()
    secret = two_step.start_setup(db=db, user_id=user.id, box=_box(), policy=policy)
    if secret is None:
        flash("Two-step sign-in is already on", "info")
        return redirect(url_for(STATUS))
    form = SetUpForm(policy=policy)
    if form.validate_on_submit():
        codes = _password_then_code(
            form,
            user,
            refused="two_step_set_up_refused",
            check=_confirm_keeping_this_sign_in,
            code_error="The code is not correct or has expired",
        )
        if codes:
            security_event("two_step_turned_on", level=logging.INFO)
            _notify("turned_on", user.id)
            return _show_recovery_codes(codes, turned_on=True)
    uri = two_step.provisioning_uri(secret, account=user.email, issuer=policy.service_name)
    # The secret is on this page: keep no copy of it in any cache or history.
    return no_store(
        render_template(
            "pages/auth/two-step-set-up.html",
            form=form,
            secret=two_step.secret_in_groups(secret),
            spelled_out=two_step.secret_spelled_out(secret),
            app_link=uri,
            qr_size=two_step.qr_png_size(uri),
        )
    )


def _confirm_keeping_this_sign_in(**check: Any) -> list[str] | None:
    # Every other device is signed out as it turns on; this one carries on.
    return two_step.confirm_setup(**check, keep_token=session[SESSION_TOKEN_KEY])


@bp.route("/account/two-step-sign-in/set-up/qr-code.png")
@login_required
def two_step_qr_code() -> Response:
    """The set-up page's QR code, as a PNG any browser draws. Only for a set-up waiting
    to be confirmed: it never starts one, and never shows a secret already in use."""
    user = current_user._get_current_object()
    policy = current_policy()
    secret = two_step.waiting_secret(db=get_session(), user_id=user.id, box=_box(), policy=policy)
    if secret is None:
        abort(404)
    uri = two_step.provisioning_uri(secret, account=user.email, issuer=policy.service_name)
    response = make_response(two_step.qr_png(uri))
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "no-store"
    return response


def _show_recovery_codes(codes: list[str], *, turned_on: bool) -> Response:
    # Shown once, in the answer to the form: never stored, never in a redirect's session.
    return no_store(
        render_template("pages/auth/two-step-recovery-codes.html", codes=codes, turned_on=turned_on)
    )


@bp.route("/account/two-step-sign-in/recovery-codes", methods=["GET", "POST"])
@login_required
def two_step_new_recovery_codes() -> str | Response:
    db, user = get_session(), current_user._get_current_object()
    policy = current_policy()
    if not two_step.is_on(db=db, user_id=user.id):
        return redirect(url_for(STATUS))
    form = NewRecoveryCodesForm(policy=policy)
    if form.validate_on_submit() and _password_then_code(
        form,
        user,
        refused="two_step_new_codes_refused",
        check=two_step.use_app_code,
        code_error="The code is not correct or has expired",
    ):
        codes = two_step.replace_recovery_codes(db=db, user_id=user.id, policy=policy)
        security_event("two_step_new_recovery_codes", level=logging.INFO)
        _notify("new_codes", user.id)
        return _show_recovery_codes(codes, turned_on=False)
    return render_template("pages/auth/two-step-new-codes.html", form=form)


@bp.route("/account/two-step-sign-in/turn-off", methods=["GET", "POST"])
@login_required
def two_step_turn_off() -> str | Response:
    db, user = get_session(), current_user._get_current_object()
    if not two_step.is_on(db=db, user_id=user.id):
        return redirect(url_for(STATUS))
    form = TurnOffForm()
    if form.validate_on_submit() and _password_then_code(
        form,
        user,
        refused="two_step_turn_off_refused",
        check=two_step.use_either_code,
        code_error="The code is not correct, has expired or has already been used",
    ):
        two_step.turn_off(db=db, user_id=user.id)
        security_event("two_step_turned_off", level=logging.INFO)
        _notify("turned_off", user.id)
        flash("Two-step sign-in is off. You will sign in with your password only.", "success")
        return redirect(url_for(STATUS))
    return render_template("pages/auth/two-step-turn-off.html", form=form)


# --- The second step of signing in -----------------------------------------------------------


def _second_step(template: str, form_class: type, check: str) -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("account.home"))
    policy = current_policy()
    started = two_step_pending.user_id_or_none() is not None
    pending = two_step_pending.current(policy)
    if pending is None:
        # Said only to a browser whose half-signed-in state ran out: a message for
        # anyone else would keep a session row for each of their requests.
        if started:  # it ran out: say so, and why
            minutes = policy.two_step_sign_in_minutes
            flash(
                f"Sign in again: more than {minutes} minutes passed after you entered "
                "your password, so for your security the code can no longer be used",
                "info",
            )
        return redirect(url_for("auth.sign_in"))
    db = get_session()
    user = db.get(User, pending.user_id)
    assert user is not None
    form = form_class(policy=policy) if form_class is SignInCodeForm else form_class()
    if form.validate_on_submit():
        # Counted for the account before the code is checked, whichever browser sends
        # it (a refusal raises the 429 page); given back if it was right.
        attempt = throttle.count_code_guess(pending.user_id)
        if check == "app":
            ok = two_step.use_app_code(
                db=db, user_id=pending.user_id, box=_box(), policy=policy, code=form.code.data or ""
            )
        else:
            ok = two_step.use_recovery_code(
                db=db, user_id=pending.user_id, code=form.recovery_code.data or ""
            )
        if ok:
            attempt.refund()
            response = signing_in.finish(
                user,
                shared_device=pending.shared_device,
                next_path=pending.next_path,
                second_step=True,
            )
            if check == "recovery":
                _after_recovery_code(user)
            return response
        _refuse("two_step_code_refused", pending.user_id)
        if not two_step_pending.count_failure(policy):
            flash("Sign in again: too many codes were not correct", "info")
            return redirect(url_for("auth.sign_in"))
        field = form.code if check == "app" else form.recovery_code
        field.errors = [
            "The code is not correct or has expired"
            if check == "app"
            else "The recovery code is not correct or has already been used"
        ]
    return no_store(render_template(template, form=form))


def _after_recovery_code(user: User) -> None:
    assert user.id is not None
    left = two_step.recovery_codes_left(db=get_session(), user_id=user.id)
    security_event("two_step_recovery_code_used", level=logging.INFO, codes_left=left)
    _notify("code_used", user.id)
    flash(
        f"You have {left} recovery code{'' if left == 1 else 's'} left. "
        "If you have lost your authenticator app, get new recovery codes or set up "
        "two-step sign-in again from your account.",
        "info",
    )


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code() -> str | Response:
    return _second_step("pages/auth/sign-in-code.html", SignInCodeForm, "app")


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
def sign_in_recovery_code() -> str | Response:
    return _second_step("pages/auth/sign-in-recovery-code.html", RecoveryCodeForm, "recovery")
