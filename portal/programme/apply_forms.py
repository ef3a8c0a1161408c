"""Forms for applying: the start (name and email), the application (built for the
round: a statement per criterion, an answer per question), the equality form, and an
admin's extension."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.common.forms import SEARCHABLE, PortalForm, date_field
from portal.programme import councils, equality
from portal.programme.applying import SUMMARY_WORDS
from portal.programme.models import Application, Round

YES_NO = [("yes", "Yes"), ("no", "No")]


class StartForm(PortalForm):
    name = StringField(
        "Full name", widget=GovTextInput(), render_kw={"autocomplete": "name"},
        validators=[InputRequired(message="Enter your full name")],
    )  # fmt: skip
    email = StringField(
        "Work email address", widget=GovTextInput(),
        description="We will send a link to this address. Your director of children's "
        "services will be asked to endorse your application at theirs.",
        render_kw={"autocomplete": "email", "spellcheck": "false"},
        validators=[InputRequired(message="Enter your email address")],
    )  # fmt: skip
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class ContinueForm(PortalForm):
    submit = SubmitField("Continue to your application", widget=GovSubmitInput())


class ApplicationForm(PortalForm):
    """The fields every round asks for; :func:`application_form` adds the round's own."""

    full_name = StringField("Full name", widget=GovTextInput(), validators=[Optional()],
                            render_kw={"autocomplete": "name"})  # fmt: skip
    job_title = StringField(
        "Your current role", widget=GovTextInput(), validators=[Optional()],
        description="For example, Head of Service, Children in Care",
        render_kw={"autocomplete": "organization-title"},
    )  # fmt: skip
    council_code = SelectField(
        "Your council", widget=GovSelect(), validators=[Optional()], render_kw=SEARCHABLE,
        description="The council you work for. Start typing to find it.",
    )  # fmt: skip
    management_years = StringField(
        "Years managing social workers", widget=GovTextInput(), validators=[Optional()],
        render_kw={"inputmode": "numeric"},
    )  # fmt: skip
    management_summary = TextAreaField(
        "Your management experience", widget=GovCharacterCount(), validators=[Optional()],
        description=f"The teams and services you have led. Up to {SUMMARY_WORDS} words.",
    )  # fmt: skip
    swe_number = StringField(
        "Social Work England registration number", widget=GovTextInput(),
        validators=[Optional()], description="SW and up to 6 digits, for example SW123456",
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )  # fmt: skip
    save = SubmitField("Save draft", widget=GovSubmitInput())
    check = SubmitField("Save and check your application", widget=GovSubmitInput())


def application_form(held: Round, application: Application | None = None, **kwargs):
    """The application form for ``held``: a statement per application-stage criterion
    (``statement_<id>``) and an answer per eligibility question (``question_<id>``),
    filled from ``application`` when no form was sent."""

    class RoundForm(ApplicationForm):
        pass

    for criterion in held.application_criteria:
        setattr(RoundForm, f"statement_{criterion.id}", TextAreaField(
            criterion.title, widget=GovCharacterCount(), validators=[Optional()],
            description=f"Up to {criterion.word_limit} words. A strong statement shows: "
            f"{criterion.descriptors[3]}",
        ))  # fmt: skip
    for question in held.questions:
        setattr(RoundForm, f"question_{question.id}", RadioField(
            question.text, widget=GovRadioInput(), choices=YES_NO, validators=[Optional()],
        ))  # fmt: skip
    if application is not None and "formdata" not in kwargs:
        kwargs.update(_values(application))
    form = RoundForm(**kwargs)
    form.council_code.choices = [("", "Select your council"), *councils.choices()]
    return form


def _values(application: Application) -> dict:
    values = {
        "full_name": application.full_name, "job_title": application.job_title,
        "council_code": application.council_code or "",
        "management_years": "" if application.management_years is None
        else str(application.management_years),
        "management_summary": application.management_summary,
        "swe_number": application.swe_number or "",
    }  # fmt: skip
    for statement in application.statements:
        values[f"statement_{statement.criterion_id}"] = statement.text
    for answer in application.answers:
        values[f"question_{answer.question_id}"] = "yes" if answer.answer else "no"
    return values


def equality_form(**kwargs):
    class EqualityForm(PortalForm):
        save = SubmitField("Save", widget=GovSubmitInput())

    for key, (question, options) in equality.QUESTIONS.items():
        setattr(EqualityForm, key, RadioField(
            question, widget=GovRadioInput(), choices=list(options), validators=[Optional()],
        ))  # fmt: skip
    return EqualityForm(**kwargs)


class ExtendForm(PortalForm):
    until_on = date_field("New closing day for this applicant")
    until_time = StringField(
        "New closing time", widget=GovTextInput(), default="23:59:59",
        description="London time, to the second: the last second they may submit in",
        validators=[InputRequired(message="Enter the time")],
    )  # fmt: skip
    reason = TextAreaField(
        "Why they have longer", widget=GovTextArea(),
        description="Kept in the audit log, for example: their endorser was on leave",
        validators=[InputRequired(message="Enter why this applicant has longer")],
    )  # fmt: skip
    extend = SubmitField("Extend their deadline", widget=GovSubmitInput())
