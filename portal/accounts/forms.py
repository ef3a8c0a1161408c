"""Forms for signing in, invitations and passwords."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from portal.accounts.passwords import MAX_LENGTH
from portal.accounts.service import has_control_characters
from portal.common.forms import PortalForm


def strip_text(value):
    """Pasted addresses and names often carry spaces at either end; they mean nothing."""
    return value.strip() if isinstance(value, str) else value


class NoControlCharacters:
    """Refuse control characters (NUL, escape, line breaks inside a one-line field):
    no name or address has them, and PostgreSQL cannot store NUL at all."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field) -> None:
        if has_control_characters(field.data):
            raise ValidationError(self.message)


class SignInForm(PortalForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            NoControlCharacters(
                "Enter an email address in the correct format, like name@example.org"
            ),
        ],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter your password"),
            Length(max=MAX_LENGTH, message=f"Password must be {MAX_LENGTH} characters or fewer"),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def _new_password_fields(label: str = "Create a password"):
    password = PasswordField(
        label,
        widget=GovPasswordInput(),
        description="Use 12 characters or more. Three or four random words together work well.",
        validators=[InputRequired(message="Enter a password")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Confirm password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your password"),
            EqualTo("password", message="Passwords do not match"),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class SetPasswordForm(PortalForm):
    password, confirm = _new_password_fields()
    submit = SubmitField("Save password and sign in", widget=GovSubmitInput())


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields("New password")
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ForgotPasswordForm(PortalForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter your email address"),
            Email(message="Enter an email address in the correct format, like name@example.org"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    submit = SubmitField("Send reset link", widget=GovSubmitInput())
