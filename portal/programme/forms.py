"""Forms for running the programme's rounds."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.common.forms import Needed, PortalForm, date_field
from portal.programme.models import Stage

_TIME_HINT = "London time, to the second, for example 23:59:59"


class RoundForm(PortalForm):
    title = StringField(
        "Title", widget=GovTextInput(), validators=[InputRequired(message="Enter a title")],
        description="For example, Practice leaders 2027",
    )  # fmt: skip
    opens_on = date_field("Opens on")
    opens_time = StringField(
        "Opening time", widget=GovTextInput(), default="09:00:00", description=_TIME_HINT,
        validators=[InputRequired(message="Enter the time the round opens")],
    )  # fmt: skip
    closes_on = date_field("Closes on")
    closes_time = StringField(
        "Closing time", widget=GovTextInput(), default="23:59:59",
        description=f"{_TIME_HINT}. An application is accepted up to the end of this second.",
        validators=[InputRequired(message="Enter the time the round closes")],
    )  # fmt: skip
    places = IntegerField(
        "Places", widget=GovTextInput(), description="How many people the round will select",
        validators=[InputRequired(message="Enter the number of places, from 1 to 500")],
    )  # fmt: skip
    submit = SubmitField("Open the round", widget=GovSubmitInput())


class CriterionForm(PortalForm):
    title = StringField(
        "Criterion", widget=GovTextInput(),
        validators=[InputRequired(message="Enter what the criterion judges")],
        description="For example, Leading practice across a service",
    )  # fmt: skip
    score_1 = TextAreaField("What a score of 1 means", widget=GovTextArea(),
                            validators=[Optional()])  # fmt: skip
    score_2 = TextAreaField("What a score of 2 means", widget=GovTextArea(),
                            validators=[Optional()])  # fmt: skip
    score_3 = TextAreaField("What a score of 3 means", widget=GovTextArea(),
                            validators=[Optional()])  # fmt: skip
    score_4 = TextAreaField("What a score of 4 means", widget=GovTextArea(),
                            validators=[Optional()])  # fmt: skip
    weight = IntegerField(
        "Weight", widget=GovTextInput(), description="From 1 to 10",
        validators=[InputRequired(message="Enter a weight from 1 to 10")],
    )  # fmt: skip
    stage = RadioField(
        "Judged at", widget=GovRadioInput(), choices=[(s.value, s.label) for s in Stage],
        validators=[Needed(message="Select the stage that judges it")],
    )  # fmt: skip
    word_limit = IntegerField(
        "Word limit", widget=GovTextInput(), default=500,
        description="The most words an applicant may write for it, from 50 to 2,000",
        validators=[Optional()],
    )  # fmt: skip
    independent = BooleanField(
        "Independent: scored and shown, but left out of the total (for example, readiness "
        "for an assistant director role)",
        widget=GovCheckboxInput(),
    )
    add_criterion = SubmitField("Add the criterion", widget=GovSubmitInput())


class QuestionForm(PortalForm):
    text = StringField(
        "Eligibility question", widget=GovTextInput(),
        description="A yes or no question, for example: Are you a registered social worker "
        "in England?",
        validators=[InputRequired(message="Enter the question")],
    )  # fmt: skip
    eligible_answer = RadioField(
        "Which answer keeps an applicant eligible?", widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[Needed(message="Select the answer that keeps an applicant eligible")],
    )  # fmt: skip
    reason = StringField(
        "What an applicant who answers otherwise is told", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the reason")],
    )  # fmt: skip
    add_question = SubmitField("Add the question", widget=GovSubmitInput())
