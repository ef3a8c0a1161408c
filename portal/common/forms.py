"""Form pieces every feature shares: the GOV.UK date input, a reason box, a bare
action button."""

from __future__ import annotations

from flask import flash, g, request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSubmitInput, GovTextArea
from wtforms import DateField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.common.inputs import FIRST_YEAR, LAST_YEAR, in_range

# A <select> of many people: searchable with JavaScript (GOV.UK's accessible
# autocomplete, static/js/init.js), a plain select without it.
SEARCHABLE = {"data-portal-autocomplete": ""}


class PortalForm(FlaskForm):
    """Every form in the portal. When the idle timeout signed someone out as they typed,
    the page they come back to after signing in opens with their words put back
    (portal/accounts/kept_forms.py puts them in ``g.refill``): the first form on it
    that has those fields takes them, once, and says so."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            kept = g.get("refill")
            if (
                formdata is _Auto
                and kept is not None
                and request.method == "GET"
                and _takes(form, kept)
            ):
                del g.refill
                flash(
                    "What you typed before you were signed out is back in the form. "
                    "Check it, then save.",
                    "info",
                )
                return kept
            return super().wrap_formdata(form, formdata)


def _takes(form, kept) -> bool:
    names = {field.name for field in form}
    return any(name in names for name in kept if name != "csrf_token")


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
        values = [str(v).strip() for v in valuelist][:3]
        values += [""] * (3 - len(values))
        self.raw_data = values
        if not any(values):
            self.data = None
            return
        try:  # WTForms says "Not a valid date value." for 31 2 2027: say what is wrong
            super().process_formdata([" ".join(values)])
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2027") from None
        if self.data is not None and not in_range(self.data):
            self.data = None
            raise ValueError(
                f"{self.label.text} must be a year between {FIRST_YEAR} and {LAST_YEAR}"
            )


class Needed(InputRequired):
    """InputRequired without the ``required`` flag: the GOV.UK date widget would put
    ``required`` on its wrapping <div>, and a select whose first choice is a real one
    may not carry it either (both invalid HTML). The forms are ``novalidate``: the
    server's message is the one people see."""

    def __init__(self, message: str | None = None):
        super().__init__(message)
        self.field_flags = {}  # InputRequired sets its own on the instance


def date_field(label: str, *, message: str | None = None, **kwargs) -> DayMonthYearField:
    """A required GOV.UK date input with the usual hint."""
    kwargs.setdefault("description", "For example, 27 3 2027")
    return DayMonthYearField(
        label, validators=[Needed(message=message or f"Enter the {label.lower()}")], **kwargs
    )


class ActionForm(PortalForm):
    """A button that changes state (approve, accept, start …): CSRF and nothing else."""


def reason_form(
    submit: str, *, message: str = "Enter a reason", description: str | None = None
) -> type[FlaskForm]:
    """A form with one required reason (at most 500 characters) and a submit button:
    declining, cancelling, hiding. Each use names its button and hint."""

    class ReasonForm(PortalForm):
        reason = TextAreaField(
            "Reason",
            widget=GovTextArea(),
            description=description,
            validators=[
                InputRequired(message=message),
                Length(max=500, message="The reason must be 500 characters or fewer"),
            ],
        )

    ReasonForm.submit = SubmitField(submit, widget=GovSubmitInput())
    return ReasonForm
