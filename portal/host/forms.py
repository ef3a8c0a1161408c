"""The form for adding or changing a host service."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.common.forms import Needed, PortalForm
from portal.host.models import Borough


class ServiceForm(PortalForm):
    name = StringField(
        "Service name", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the service's name"), Length(max=120)],
    )  # fmt: skip
    borough = SelectField(
        "Borough", widget=GovSelect(), choices=[(b.name, b.value) for b in Borough],
        validators=[Needed(message="Select a borough")],
    )  # fmt: skip
    kind = StringField(
        "Kind of work", widget=GovTextInput(), description="For example, Assessment or Fostering",
        validators=[InputRequired(message="Enter the kind of work"), Length(max=60)],
    )  # fmt: skip
    office = StringField(
        "Office", widget=GovTextInput(),
        description="Where partner staff go (never a family's address)",
        validators=[InputRequired(message="Enter the office partner staff go to"), Length(max=200)],
    )  # fmt: skip
    description = TextAreaField(
        "Description", widget=GovTextArea(), validators=[Optional(), Length(max=2000)]
    )
    capacity = IntegerField(
        "Placement capacity", widget=GovTextInput(),
        description="How many partner staff it can host on any one day",
        validators=[
            InputRequired(message="Enter a number of places from 0 to 50"),
            NumberRange(min=0, max=50, message="Enter a number of places from 0 to 50"),
        ],
    )  # fmt: skip
    submit = SubmitField("Save service", widget=GovSubmitInput())
