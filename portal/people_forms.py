"""Forms for inviting and managing people, and the pieces of page around them, shared by
the admin and partner pages."""

from __future__ import annotations

from flask import flash, redirect, render_template
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from portal.accounts import service
from portal.accounts.forms import NoControlCharacters, strip_text
from portal.accounts.models import ROLE_LABELS, Role, User
from portal.common.forms import DayMonthYearField, PortalForm
from portal.common.routes import apply_change


class InviteParticipantForm(PortalForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter the person's full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
            NoControlCharacters("Full name must only include letters, spaces and punctuation"),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    email = EmailField(
        "Work email address",
        widget=GovTextInput(),
        filters=[strip_text],
        description="We'll send them a link to set their password. It works once and "
        "expires in 7 days.",
        validators=[
            InputRequired(message="Enter their work email address"),
            Email(message="Enter an email address in the correct format, like name@example.org"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class PersonDetailsForm(InviteParticipantForm):
    """Correcting someone's name or email address (a typo, a married name)."""

    submit = SubmitField("Save changes", widget=GovSubmitInput())


ADMIN_INVITABLE = [
    Role.PARTNER_MANAGER,
    Role.HOST_PRACTITIONER,
    Role.SERVICE_LEAD,
    Role.FACILITATOR,
    Role.CENTRE_ADMIN,
]


class AdminInviteForm(InviteParticipantForm):
    role = RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=[(r.value, ROLE_LABELS[r]) for r in ADMIN_INVITABLE],
        validators=[InputRequired(message="Select a role")],
    )
    tenant = SelectField(
        "Partner authority (partner managers)",
        widget=GovSelect(),
        validators=[Optional()],
        choices=[],
    )
    works_with = SelectMultipleField(
        "Partner authorities they work with (host staff)",
        widget=GovCheckboxesInput(),
        choices=[],
        validators=[Optional()],
        coerce=int,
    )
    host_service = SelectField(
        "Host service (practitioners and leads)",
        widget=GovSelect(),
        choices=[],
        validators=[Optional()],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class RoleForm(PortalForm):
    role = RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=[],
        validators=[InputRequired(message="Select a role")],
    )
    submit = SubmitField("Change role", widget=GovSubmitInput())


class AssignmentsForm(PortalForm):
    works_with = SelectMultipleField(
        "Partner authorities they work with",
        widget=GovCheckboxesInput(),
        choices=[],
        coerce=int,
        validators=[Optional()],
    )
    submit = SubmitField("Save authorities", widget=GovSubmitInput())


class HostServiceForm(PortalForm):
    host_service = SelectField("Service", widget=GovSelect(), choices=[], validators=[Optional()])
    submit = SubmitField("Save service", widget=GovSubmitInput())


class ActiveForm(PortalForm):
    submit = SubmitField("Deactivate", widget=GovSubmitInput())


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET search form

    action = SelectField("Action", widget=GovSelect(), choices=[], validators=[Optional()])
    tenant = SelectField("Authority", widget=GovSelect(), choices=[], validators=[Optional()])
    since = DayMonthYearField("From", validators=[Optional()], description="For example, 1 11 2026")
    until = DayMonthYearField("To", validators=[Optional()], description="For example, 30 11 2026")
    actor = StringField(
        "Who (email address)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=254)],
        render_kw={"spellcheck": "false"},
    )
    submit = SubmitField("Filter", widget=GovSubmitInput())


class ImportParticipantsForm(PortalForm):
    file = FileField(
        "Upload a CSV file",
        widget=GovFileInput(),
        description="A CSV file with a first row of column names: name, email. "
        "Up to 2,000 participants and 1MB.",
        validators=[FileRequired(message="Select a CSV file")],
    )
    submit = SubmitField("Upload and check file", widget=GovSubmitInput())


def invitation_message(invitation) -> str:
    """What the inviter is told: the same words whether or not the address was new to us
    (portal/accounts/invitations.py)."""
    if invitation.again:
        return (
            f"A new invitation was sent to {invitation.user.email}. "
            "Any earlier link no longer works."
        )
    return f"Invitation sent to {invitation.user.email}"


def details_hint(person: User, by: User) -> str:
    """What changing the email address will do, under the field."""
    if not person.has_password:
        return (
            "If you change it, the invitation goes to the new address and the link sent "
            "before stops working."
        )
    if by.role == Role.CENTRE_ADMIN:
        return (
            "If you change it, they sign in with the new address from now on. We tell both "
            "addresses, and they are signed out everywhere."
        )
    return "Only the Centre for Social Work can change the address of someone who has signed in."


def details_page(person: User, *, back_url: str, after):
    """The "Change details" page the admin and partner pages share: the form, the change
    (accounts' ``correct_details``), what it did; ``after(result)`` is where a saved
    change goes (the result is the invitation a new address needed, or True)."""
    form = PersonDetailsForm(obj=person)
    form.email.description = details_hint(person, current_user)
    if form.validate_on_submit():
        result = apply_change(
            lambda: service.correct_details(
                person, name=form.name.data, email=form.email.data, by=current_user
            ),
            form=form,
        )
        if result:
            invited = isinstance(result, service.Invitation)
            flash(invitation_message(result) if invited else f"Saved {person.name}'s details",
                  "success")  # fmt: skip
            return redirect(after(result))
    return render_template("person_details.html", form=form, person=person, back_url=back_url)
