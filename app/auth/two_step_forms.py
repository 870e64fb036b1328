"""Forms for two-step sign-in. Messages follow the GOV.UK pattern: say what to do."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, ValidationError

from app.auth import two_step
from app.policy import Policy


def _enter_app_code(policy: Policy) -> str:
    return f"Enter the {policy.two_step_code_digits}-digit code from your authenticator app"


class _AppCodeForm(FlaskForm):
    code = StringField("Code from your authenticator app")

    def __init__(self, *args: object, policy: Policy, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy

    def validate_code(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_enter_app_code(self.policy))
        if not two_step.is_app_code(field.data or "", policy=self.policy):
            raise ValidationError(f"The code must be {self.policy.two_step_code_digits} numbers")


def _password() -> PasswordField:
    return PasswordField("Your password", validators=[InputRequired("Enter your password")])


class SignInCodeForm(_AppCodeForm):
    code = StringField("Enter the code from your authenticator app")


class SetUpForm(_AppCodeForm):
    password = _password()


class NewRecoveryCodesForm(_AppCodeForm):
    password = _password()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._fields.move_to_end("code")


class RecoveryCodeForm(FlaskForm):
    recovery_code = StringField(
        "Enter a recovery code", validators=[InputRequired("Enter a recovery code")]
    )


class TurnOffForm(FlaskForm):
    password = _password()
    code = StringField(
        "Code from your authenticator app, or a recovery code",
        validators=[InputRequired("Enter a code from your authenticator app or a recovery code")],
    )
