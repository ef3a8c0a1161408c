"""Forms for learning boards."""

from __future__ import annotations

import re

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.boards.models import Visibility
from portal.boards.search import ORDERS
from portal.common.forms import Needed, PortalForm, reason_form


class ReflectionForm(PortalForm):
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


class ConfirmShareForm(PortalForm):
    # Whether it must be ticked is the service's rule (``writing.share``), not the form's.
    confirmed = BooleanField(
        "I have checked these details and none of them could identify a child or family",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Share", widget=GovSubmitInput())


class CommentForm(PortalForm):
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


ReasonForm = reason_form("Send")


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Printable:
    """No control characters (a NUL, say): nobody types them, and PostgreSQL refuses them."""

    def __call__(self, form, field):
        if field.data and CONTROL_CHARACTERS.search(field.data):
            raise ValidationError(f"{field.label.text} must not include control characters")


def _listed(label: str, invalid: str) -> SelectField:
    """A select whose value must be one of its choices (the page sets them)."""
    return SelectField(
        label, widget=GovSelect(), choices=[], default="", invalid_choice_message=invalid
    )


class SearchForm(PortalForm):
    """Searching a board (GET, so no CSRF). Every value is checked before it is used:
    a bad one is an error on the page, never a failed query."""

    class Meta:
        csrf = False

    q = StringField(
        "Search words",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=200, message="Search words must be 200 characters or fewer"),
            Printable(),
        ],
    )
    theme = StringField(
        "Theme",
        widget=GovTextInput(),
        description="One theme, or several separated by commas",
        validators=[
            Optional(),
            Length(max=400, message="Themes must be 400 characters or fewer"),
            Printable(),
        ],
    )
    authority = _listed("Authority", "Select an authority from the list")
    board = _listed("Board", "Select a board from the list")
    order = SelectField(
        "Order",
        widget=GovSelect(),
        choices=list(ORDERS.items()),
        default="newest",
        invalid_choice_message="Select an order from the list",
    )
    submit = SubmitField("Search", widget=GovSubmitInput())

    def offer(self, *, authorities, boards, board=None) -> None:
        """The choices this page offers; on a board's own page, no choice of board."""
        self.authority.choices = [("", "All authorities")] + [
            (str(t.id), t.name) for t in authorities
        ]
        if board is not None:
            del self.board
        else:
            self.board.choices = [("", "All boards")] + [(str(b.id), b.title) for b in boards]

    def chosen(self, field: str) -> int | None:
        value = self[field].data if field in self else ""
        return int(value) if value else None


class BoardForm(PortalForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter a title"), Length(max=120)],
    )
    audience = SelectField(
        "Who it is for",
        widget=GovSelect(),
        choices=[],
        validators=[Needed(message="Select who it is for")],
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


class DigestForm(PortalForm):
    weekly = BooleanField("Send me the weekly digest of new reflections", widget=GovCheckboxInput())
    submit = SubmitField("Save", widget=GovSubmitInput())
