"""Forms for placements: request, decisions, checklist and evaluation."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import (
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.common.forms import SEARCHABLE, Needed, PortalForm, date_field, reason_form
from portal.placements.weekdays import NAMES as weekday_names


class RequestPlacementForm(PortalForm):
    participant = SelectField(
        "Participant", widget=GovSelect(), render_kw=SEARCHABLE, choices=[],
        validators=[Needed(message="Select a participant")],
    )  # fmt: skip
    service = SelectField(
        "Tri-borough service", widget=GovSelect(), choices=[],
        validators=[Needed(message="Select a service")],
    )  # fmt: skip
    starts_on = date_field("First day")
    ends_on = date_field("Last day")
    weekdays = SelectMultipleField(
        "Days of the week",
        widget=GovCheckboxesInput(),
        choices=[(str(n), name) for n, name in enumerate(weekday_names)],
        description="The days they will be in the service each week. The service's "
        "places are counted on those days only.",
        validators=[Needed(message="Select the days of the week they will be there")],
        validate_choice=False,  # the service says what is wrong with an odd one
    )
    learning_goals = TextAreaField(
        "Learning goals",
        widget=GovCharacterCount(),
        description="What the participant wants to learn in this service. Do not name "
        "children or families.",
        validators=[
            InputRequired(message="Enter what the participant wants to learn"),
            Length(max=2000, message="Learning goals must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())


class ProposeDatesForm(PortalForm):
    starts_on = date_field("First day")
    ends_on = date_field("Last day")
    note = StringField(
        "Message to the partner manager (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=500, message="Message must be 500 characters or fewer")],
    )
    submit = SubmitField("Propose these dates", widget=GovSubmitInput())


DeclineForm = reason_form("Decline request", message="Enter a reason for declining")
CancelForm = reason_form("Cancel placement", message="Enter a reason for cancelling")


class EvaluationForm(PortalForm):
    text = TextAreaField(
        "Your evaluation",
        widget=GovCharacterCount(),
        validators=[
            InputRequired(message="Enter your evaluation"),
            Length(max=5000, message="Your evaluation must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send evaluation", widget=GovSubmitInput())


class ServiceFilterForm(PortalForm):
    class Meta:
        csrf = False

    borough = SelectField("Borough", widget=GovSelect(), choices=[], validators=[Optional()])
    kind = SelectField("Kind of work", widget=GovSelect(), choices=[], validators=[Optional()])
    submit = SubmitField("Filter", widget=GovSubmitInput())
