"""Forms of the centre's own administration pages."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired

from portal.common.forms import PortalForm, date_field


class CohortForm(PortalForm):
    year = IntegerField(
        "Year",
        widget=GovTextInput(),
        description="The year partner authorities' files name as their cohort, like 2028",
        validators=[InputRequired(message="Enter a year, like 2028")],
    )
    starts_on = date_field("First day")
    ends_on = date_field("Last day")
    submit = SubmitField("Open the cohort", widget=GovSubmitInput())
