"""Forms for learning boards."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.boards.models import Visibility


class ReflectionForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=150, message="The title must be 150 characters or fewer"),
        ],
    )
    body = TextAreaField(
        "Your reflection",
        widget=GovTextArea(),
        description="Markdown works: **bold**, *italic*, lists with - and headings with ##. "
        "Never name a child or family, or give details that could identify them.",
        validators=[Optional(), Length(max=20000, message="Must be 20,000 characters or fewer")],
    )
    themes = StringField(
        "Themes (optional)",
        widget=GovTextInput(),
        description="Separate themes with commas, for example: risk, supervision, neglect",
        validators=[Optional(), Length(max=400, message="Must be 400 characters or fewer")],
    )
    about = SelectField(
        "What it is about (optional)",
        widget=GovSelect(),
        choices=[],
        validators=[Optional()],
        validate_choice=False,  # the service checks it is the author's own
    )
    visibility = RadioField(
        "Who can see it",
        widget=GovRadioInput(),
        choices=[(v.value, v.label) for v in Visibility],
        validators=[InputRequired(message="Select who can see it")],
    )
    save = SubmitField("Save draft", widget=GovSubmitInput())
    share = SubmitField("Check and share", widget=GovSubmitInput())


class ConfirmShareForm(FlaskForm):
    confirmed = BooleanField(
        "I have checked these details and none of them could identify a child or family",
        widget=GovCheckboxInput(),
        validators=[InputRequired(message="Confirm you have checked the highlighted details")],
    )
    submit = SubmitField("Share", widget=GovSubmitInput())


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Add a comment",
        widget=GovTextArea(),
        description="Mention someone with @ and their full name to tell them.",
        validators=[
            InputRequired(message="Write a comment"),
            Length(max=5000, message="A comment must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Post comment", widget=GovSubmitInput())


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter a reason"),
            Length(max=500, message="The reason must be 500 characters or fewer"),
        ],
    )
    submit = SubmitField("Send", widget=GovSubmitInput())


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    theme = StringField("Theme", widget=GovTextInput(), validators=[Optional(), Length(max=40)])
    authority = SelectField(
        "Authority", widget=GovSelect(), choices=[], validators=[Optional()], validate_choice=False
    )
    board = SelectField(
        "Board", widget=GovSelect(), choices=[], validators=[Optional()], validate_choice=False
    )
    order = SelectField(
        "Order",
        widget=GovSelect(),
        choices=[("newest", "Newest first"), ("helpful", "Most helpful first")],
        validators=[Optional()],
        validate_choice=False,
    )
    submit = SubmitField("Search", widget=GovSubmitInput())


class BoardForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter a title"), Length(max=120)],
    )
    audience = SelectField(
        "Who it is for",
        widget=GovSelect(),
        choices=[],
        validators=[InputRequired(message="Select who it is for")],
    )
    purpose = TextAreaField(
        "Purpose", widget=GovTextArea(), validators=[Optional(), Length(max=2000)]
    )
    prompts = TextAreaField(
        "Prompts (optional)",
        widget=GovTextArea(),
        description="Questions to start people off, one on each line",
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Create board", widget=GovSubmitInput())


class DigestForm(FlaskForm):
    weekly = BooleanField("Send me the weekly digest of new reflections", widget=GovCheckboxInput())
    submit = SubmitField("Save", widget=GovSubmitInput())
