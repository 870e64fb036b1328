"""Forms for changing account details and deleting the account."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import InputRequired, ValidationError

from app.auth.forms import (
    check_full_name,
    check_registration_number,
    email_field,
    full_name_field,
)
from app.auth.services import normalise_email
from app.policy import Policy


class ChangeNameForm(FlaskForm):
    full_name = full_name_field()

    def validate_full_name(self, field: StringField) -> None:
        check_full_name(field)


class ChangeRegistrationNumberForm(FlaskForm):
    registration_number = StringField("Registration number (optional)")

    def __init__(self, *args: object, policy: Policy, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy

    def validate_registration_number(self, field: StringField) -> None:
        check_registration_number(field, self.policy)


class ChangeEmailForm(FlaskForm):
    email = email_field("New email address", "Enter your new email address")
    # Whoever finds this browser signed in must not be able to move the account to an
    # address they read, and from there take it over.
    password = PasswordField("Your password", validators=[InputRequired("Enter your password")])

    def __init__(self, *args: object, current_email: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.current_email = current_email

    def validate_email(self, field: EmailField) -> None:
        if normalise_email(field.data or "") == self.current_email:
            raise ValidationError("Enter an email address different from the one you use now")


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[InputRequired("Enter your password")])
    confirm = BooleanField(
        "I understand that my account and all my CPD will be deleted and cannot be got back",
        validators=[InputRequired("Confirm that you want to delete your account and all your CPD")],
    )
