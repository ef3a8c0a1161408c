"""Forms for placements: request, decisions, checklist and evaluation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import DateField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional


class DayMonthYearField(DateField):
    """A GOV.UK date input (day, month and year boxes sharing one name).

    Takes exactly three values, whatever a request sends, so a tampered form is a
    clear error rather than a crash. The error summary links to the day box
    (``portal.web.wtforms_errors``).
    """

    def __init__(self, label: str, **kwargs):
        kwargs.setdefault("widget", GovDateInput())
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:  # not sent at all: the widget still needs three (empty) boxes
            self.raw_data = ["", "", ""]
            self.data = None
            return
        if valuelist:
            values = [str(v).strip() for v in valuelist][:3]
            values += [""] * (3 - len(values))
            self.raw_data = values
            if not any(values):
                self.data = None
                return
            valuelist = [" ".join(values)]
        super().process_formdata(valuelist)
        if valuelist and self.data is None and self.process_errors:
            self.process_errors = [f"{self.label.text} must be a real date, like 27 3 2027"]


class Needed(InputRequired):
    """InputRequired without the ``required`` flag: the GOV.UK date widget would put
    ``required`` on its wrapping <div>, which is invalid HTML."""

    field_flags = {}


def _date(label: str, name: str) -> DayMonthYearField:
    return DayMonthYearField(
        label,
        description="For example, 27 3 2027",
        validators=[Needed(message=f"Enter the {label.lower()}")],
    )


class RequestPlacementForm(FlaskForm):
    participant = SelectField(
        "Participant", widget=GovSelect(), choices=[],
        validators=[InputRequired(message="Select a participant")],
    )  # fmt: skip
    service = SelectField(
        "Tri-borough service", widget=GovSelect(), choices=[],
        validators=[InputRequired(message="Select a service")],
    )  # fmt: skip
    starts_on = _date("First day", "starts_on")
    ends_on = _date("Last day", "ends_on")
    days_per_week = RadioField(
        "Days a week",
        widget=GovRadioInput(),
        choices=[(str(n), f"{n} day{'s' if n > 1 else ''}") for n in range(1, 6)],
        validators=[InputRequired(message="Select how many days a week")],
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


class ProposeDatesForm(FlaskForm):
    starts_on = _date("First day", "starts_on")
    ends_on = _date("Last day", "ends_on")
    note = StringField(
        "Message to the partner manager (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=500, message="Message must be 500 characters or fewer")],
    )
    submit = SubmitField("Propose these dates", widget=GovSubmitInput())


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter a reason for declining"),
            Length(max=500, message="Reason must be 500 characters or fewer"),
        ],
    )
    submit = SubmitField("Decline request", widget=GovSubmitInput())


class CancelForm(DeclineForm):
    submit = SubmitField("Cancel placement", widget=GovSubmitInput())


class EvaluationForm(FlaskForm):
    text = TextAreaField(
        "Your evaluation",
        widget=GovCharacterCount(),
        validators=[
            InputRequired(message="Enter your evaluation"),
            Length(max=5000, message="Your evaluation must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send evaluation", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A button that changes state (approve, accept, start …): CSRF and nothing else."""


class ServiceFilterForm(FlaskForm):
    class Meta:
        csrf = False

    borough = SelectField("Borough", widget=GovSelect(), choices=[], validators=[Optional()])
    kind = SelectField("Kind of work", widget=GovSelect(), choices=[], validators=[Optional()])
    submit = SubmitField("Filter", widget=GovSubmitInput())
