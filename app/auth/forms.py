from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from app.auth.passwords import password_problem
from app.policy import Policy

EMAIL_MAX_LENGTH = 320
NAME_MAX_LENGTH = 200


def email_field(
    label: str = "Email address", missing: str = "Enter your email address"
) -> EmailField:
    return EmailField(
        label,
        validators=[
            InputRequired(message=missing),
            Length(max=EMAIL_MAX_LENGTH, message="Email address must be 320 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
        filters=[lambda value: value.strip() if value else value],
    )


def full_name_field() -> StringField:
    """The name as sign-up asks for it; a form using it checks it with check_full_name."""
    return StringField(
        "Full name",
        validators=[
            InputRequired(message="Enter your full name"),
            Length(max=NAME_MAX_LENGTH, message="Full name must be 200 characters or fewer"),
        ],
    )


def check_full_name(field: StringField) -> None:
    if field.data and not field.data.strip():
        raise ValidationError("Enter your full name")


def check_registration_number(field: StringField, policy: Policy) -> None:
    """Optional, but in the policy's format when given (sign-up and account changes)."""
    has_number = bool(field.data and field.data.strip())
    if has_number and not policy.registration_number_is_valid(field.data):
        raise ValidationError(
            "Enter your registration number in the correct format, like "
            f"{policy.registration_number_example}, or leave it blank"
        )


class CreateAccountForm(FlaskForm):
    full_name = full_name_field()
    email = email_field()
    registration_number = StringField("Registration number (optional)")
    password = PasswordField("Create a password", validators=[InputRequired("Enter a password")])
    password_confirmation = PasswordField(
        "Confirm your password",
        validators=[InputRequired("Enter your password again to confirm it")],
    )

    def __init__(self, *args: object, policy: Policy, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy

    def validate_full_name(self, field: StringField) -> None:
        check_full_name(field)

    def validate_registration_number(self, field: StringField) -> None:
        check_registration_number(field, self.policy)

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(
            field.data or "",
            policy=self.policy,
            email=self.email.data or "",
            full_name=self.full_name.data or "",
        )
        if problem:
            raise ValidationError(problem)

    def validate_password_confirmation(self, field: PasswordField) -> None:
        if self.password.data and field.data != self.password.data:
            raise ValidationError("Passwords must match")


class SignInForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[InputRequired("Enter your password")])
    shared_device = BooleanField("This is a shared or public computer")


class ConfirmAccountForm(FlaskForm):
    """Only the CSRF token: the button confirms the address the link was sent to."""


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "Create a new password", validators=[InputRequired("Enter a new password")]
    )
    password_confirmation = PasswordField(
        "Confirm your new password",
        validators=[InputRequired("Enter your new password again to confirm it")],
    )

    def __init__(
        self, *args: object, policy: Policy, email: str, full_name: str, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.account_email = email
        self.account_name = full_name

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(
            field.data or "",
            policy=self.policy,
            email=self.account_email,
            full_name=self.account_name,
        )
        if problem:
            raise ValidationError(problem)

    def validate_password_confirmation(self, field: PasswordField) -> None:
        if self.password.data and field.data != self.password.data:
            raise ValidationError("Passwords must match")


class ChangePasswordForm(ResetPasswordForm):
    """The new-password rules of a reset, and the current password first: whoever finds
    a computer left signed in must not be able to take the account over."""

    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password")]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The current password first, in the error summary as on the page.
        self._fields.move_to_end("current_password", last=False)


class SignOutOthersForm(FlaskForm):
    """Asks for the password again (ASVS 7.5.2): whoever finds this browser signed in
    must not be able to lock the owner out of their other devices."""

    password = PasswordField("Your password", validators=[InputRequired("Enter your password")])
