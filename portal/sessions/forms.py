"""Forms for sessions: finding a time, booking, changes, group sessions, availability."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.accounts.models import Role
from portal.common.clock import LONDON, as_utc
from portal.common.forms import SEARCHABLE, DayMonthYearField, Needed, PortalForm, reason_form
from portal.sessions.models import GROUP_KINDS, ONE_TO_ONE_KINDS, ExceptionKind, SessionKind
from portal.sessions.service import LENGTHS

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TIMES = [time(h, m) for h in range(7, 21) for m in (0, 15, 30, 45)] + [time(21, 0)]
TIME_CHOICES = [(t.strftime("%H:%M"), t.strftime("%H:%M")) for t in TIMES]
AGENDA_HINT = (
    "What you want to learn or discuss. Do not name children or families: use initials "
    "or a case reference only in the case system."
)


def _minutes(n: int) -> str:
    hours, minutes = divmod(n, 60)
    text = f"{hours} hour{'s' if hours > 1 else ''}" if hours else ""
    return f"{text} {minutes} minutes".strip() if minutes else text


def parse_time(value: str | None) -> time | None:
    try:
        return time.fromisoformat(value) if value else None
    except ValueError:
        return None


class TimeSelect(SelectField):
    """A time of day from a list in 15-minute steps (07:00 to 21:00, London time)."""

    def __init__(self, label: str, *, optional: bool = False, **kwargs):
        choices = ([("", "Not working")] if optional else []) + TIME_CHOICES
        validators = [Optional()] if optional else [Needed(message=f"Select {label}")]
        super().__init__(
            label, choices=choices, widget=GovSelect(), validators=validators, **kwargs
        )

    @property
    def time(self) -> time | None:
        return parse_time(self.data)


class FindTimeForm(PortalForm):
    """Read from the query string: who, what and how long (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    participant = SelectField(
        "Participant",
        widget=GovSelect(),
        render_kw=SEARCHABLE,
        choices=[],
        validators=[Needed(message="Select a participant")],
    )
    kind = RadioField(
        "What kind of session",
        widget=GovRadioInput(),
        choices=[(k.value, k.label) for k in ONE_TO_ONE_KINDS],
        default=SessionKind.JOINT_VISIT.value,
        validators=[InputRequired(message="Select a joint visit or a case consultation")],
    )
    who = SelectField(
        "Host",
        widget=GovSelect(),
        choices=[],
        validators=[Needed(message="Select a host or a service")],
    )
    length = SelectField(
        "How long",
        widget=GovSelect(),
        choices=[(str(n), _minutes(n)) for n in LENGTHS],
        default="90",
        validators=[Needed(message="Select how long the session is")],
    )
    submit = SubmitField("Find times", widget=GovSubmitInput())

    def offer_hosts(self, hosts) -> None:
        """Offer each host, and "anyone in" each of their services."""
        services = {h.host_service.id: h.host_service for h in hosts if h.host_service}
        self.who.choices = (
            [("", "Select a host or a service")]
            + [
                (f"service:{s.id}", f"Anyone in {s.name}")
                for s in sorted(services.values(), key=lambda s: s.name)
            ]
            + [
                (f"host:{h.id}", h.name + (f", {h.host_service.name}" if h.host_service else ""))
                for h in hosts
            ]
        )

    def chosen_hosts(self, hosts) -> tuple[list, int | None, int | None]:
        """(hosts to search, host id, service id) for the "host:N" or "service:N" chosen."""
        kind, _, raw = (self.who.data or "").partition(":")
        if not raw.isdigit():
            return [], None, None
        if kind == "host":
            return [h for h in hosts if h.id == int(raw)], int(raw), None
        if kind == "service":
            return [h for h in hosts if h.host_service_id == int(raw)], None, int(raw)
        return [], None, None

    @property
    def minutes(self) -> timedelta:
        return timedelta(minutes=int(self.length.data))


def offer_participants(field, user, participants) -> None:
    """A manager picks any of the authority's ``participants``; a participant is themselves."""
    if user.role == Role.PARTICIPANT:
        field.choices = [(str(user.id), user.name)]
        field.data = str(user.id)
    else:
        field.choices = [("", "Select a participant")] + [(str(p.id), p.name) for p in participants]


class BookForm(PortalForm):
    location = SelectField(
        "Where",
        widget=GovSelect(),
        choices=[],
        description="A host office, or online. Never a family's address.",
        validators=[Needed(message="Select where the session is")],
    )
    agenda = TextAreaField(
        "What you want to cover (optional)",
        widget=GovCharacterCount(),
        description=AGENDA_HINT,
        validators=[Optional(), Length(max=1000, message="Must be 1,000 characters or fewer")],
    )
    submit = SubmitField("Book", widget=GovSubmitInput())


ReasonForm = reason_form("Cancel the session", description="Everyone booked will see this.")


class MoveForm(PortalForm):
    reason = TextAreaField(
        "Reason (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=500, message="Must be 500 characters or fewer")],
    )
    submit = SubmitField("Move the session", widget=GovSubmitInput())


class GroupTimeForm(PortalForm):
    """A date and London times for a group session (the residential may end days later)."""

    starts_on = DayMonthYearField(
        "Date",
        description="For example, 27 3 2027",
        validators=[Needed(message="Enter the date")],
    )
    starts = TimeSelect("Start time")
    ends_on = DayMonthYearField(
        "Last day (residential only)",
        description="Leave blank if it ends on the same day",
        validators=[Optional()],
    )
    ends = TimeSelect("End time")

    def times(self) -> tuple[datetime | None, datetime | None]:
        """The start and end as UTC times, or (None, None) while incomplete."""
        from portal.sessions.slots import local

        if self.starts_on.data is None or self.starts.time is None or self.ends.time is None:
            return None, None
        last_day = self.ends_on.data or self.starts_on.data
        return local(self.starts_on.data, self.starts.time), local(last_day, self.ends.time)


class MoveGroupForm(GroupTimeForm):
    reason = TextAreaField(
        "Reason (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=500, message="Must be 500 characters or fewer")],
    )
    submit = SubmitField("Move the session", widget=GovSubmitInput())

    def show(self, starts_at: datetime, ends_at: datetime) -> None:
        """Fill the form with the session's current London times."""
        start, end = as_utc(starts_at).astimezone(LONDON), as_utc(ends_at).astimezone(LONDON)
        self.starts_on.data, self.starts.data = start.date(), f"{start:%H:%M}"
        self.ends.data = f"{end:%H:%M}"
        self.ends_on.data = end.date() if end.date() != start.date() else None

    def keeps_length(self, length: timedelta) -> bool:
        """A moved group session keeps its length (else: cancel it and create another)."""
        starts_at, ends_at = self.times()
        if starts_at and ends_at and ends_at - starts_at != length:
            self.ends.errors.append("Keep the same length, or cancel and create a new session")
            return False
        return True


class GroupForm(GroupTimeForm):
    kind = RadioField(
        "What kind of session",
        widget=GovRadioInput(),
        choices=[(k.value, k.label) for k in SessionKind if k in GROUP_KINDS],
        validators=[InputRequired(message="Select the kind of session")],
    )
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a title"),
            Length(max=120, message="The title must be 120 characters or fewer"),
        ],
    )
    location = SelectField(
        "Where",
        widget=GovSelect(),
        choices=[],
        validators=[Needed(message="Select where it is")],
    )
    seats = IntegerField(
        "Seats",
        widget=GovTextInput(),
        render_kw={"inputmode": "numeric"},
        validators=[
            InputRequired(message="Enter the number of seats"),
            NumberRange(1, 200, message="Enter the number of seats, from 1 to 200"),
        ],
    )
    seats_per_authority = IntegerField(
        "Most seats for one authority (optional)",
        widget=GovTextInput(),
        render_kw={"inputmode": "numeric"},
        description="So every partner authority can get a place",
        validators=[Optional(), NumberRange(1, 200, message="Enter a number from 1 to 200")],
    )
    repeat = SelectField(
        "Repeats",
        widget=GovSelect(),
        choices=[
            ("none", "Does not repeat"),
            ("weekly", "Every week"),
            ("fortnightly", "Every 2 weeks"),
            ("four_weekly", "Every 4 weeks"),
        ],
        default="none",
        validators=[Needed()],
    )
    count = IntegerField(
        "How many sessions in all",
        widget=GovTextInput(),
        render_kw={"inputmode": "numeric"},
        description="For a repeating session, from 2 to 26",
        validators=[Optional(), NumberRange(2, 26, message="Enter a number from 2 to 26")],
    )
    agenda = TextAreaField(
        "Description (optional)",
        widget=GovCharacterCount(),
        validators=[Optional(), Length(max=1000, message="Must be 1,000 characters or fewer")],
    )
    submit = SubmitField("Create", widget=GovSubmitInput())


class SettingsForm(PortalForm):
    buffer_before = SelectField(
        "Time before a visit",
        widget=GovSelect(),
        description="For travel: nothing else is booked this close before a visit",
        choices=[(str(n), f"{n} minutes") for n in (0, 15, 30, 45, 60, 90, 120)],
    )
    buffer_after = SelectField(
        "Time after a visit",
        widget=GovSelect(),
        description="For travel back and notes",
        choices=[(str(n), f"{n} minutes") for n in (0, 15, 30, 45, 60, 90, 120)],
    )
    max_per_day = IntegerField(
        "Most visits a day",
        widget=GovTextInput(),
        render_kw={"inputmode": "numeric"},
        description="Leave blank for no limit",
        validators=[Optional(), NumberRange(1, 10, message="Enter a number from 1 to 10")],
    )
    max_per_week = IntegerField(
        "Most visits a week",
        widget=GovTextInput(),
        render_kw={"inputmode": "numeric"},
        description="Leave blank for no limit",
        validators=[Optional(), NumberRange(1, 50, message="Enter a number from 1 to 50")],
    )
    confirm_bookings = BooleanField(
        "I confirm each booking before it is final", widget=GovCheckboxInput()
    )
    day_0_starts = TimeSelect("Monday from", optional=True)
    day_0_ends = TimeSelect("Monday to", optional=True)
    day_1_starts = TimeSelect("Tuesday from", optional=True)
    day_1_ends = TimeSelect("Tuesday to", optional=True)
    day_2_starts = TimeSelect("Wednesday from", optional=True)
    day_2_ends = TimeSelect("Wednesday to", optional=True)
    day_3_starts = TimeSelect("Thursday from", optional=True)
    day_3_ends = TimeSelect("Thursday to", optional=True)
    day_4_starts = TimeSelect("Friday from", optional=True)
    day_4_ends = TimeSelect("Friday to", optional=True)
    submit = SubmitField("Save", widget=GovSubmitInput())

    @classmethod
    def saved(cls, settings, windows) -> SettingsForm:
        """The form showing the host's saved rules and working hours (not what was posted)."""
        form = cls(formdata=None, obj=settings)
        form.buffer_before.data = str(settings.buffer_before)
        form.buffer_after.data = str(settings.buffer_after)
        for window in windows:
            if window.weekday < 5:
                getattr(form, f"day_{window.weekday}_starts").data = f"{window.starts:%H:%M}"
                getattr(form, f"day_{window.weekday}_ends").data = f"{window.ends:%H:%M}"
        return form

    def day_fields(self):
        return [
            (WEEKDAYS[n], getattr(self, f"day_{n}_starts"), getattr(self, f"day_{n}_ends"))
            for n in range(5)
        ]

    def windows(self) -> dict[int, tuple[time | None, time | None] | None]:
        """Weekday -> (starts, ends) as entered, or None for a day not worked."""
        windows = {}
        for n in range(5):
            starts = parse_time(getattr(self, f"day_{n}_starts").data)
            ends = parse_time(getattr(self, f"day_{n}_ends").data)
            windows[n] = None if starts is None and ends is None else (starts, ends)
        return windows


class ExceptionForm(PortalForm):
    starts_on = DayMonthYearField(
        "First day away",
        description="For example, 27 3 2027",
        validators=[Needed(message="Enter the first day away")],
    )
    ends_on = DayMonthYearField(
        "Last day away", description="Leave blank for one day", validators=[Optional()]
    )
    kind = RadioField(
        "Why",
        widget=GovRadioInput(),
        choices=[("leave", "Leave"), ("training", "Training"), ("other", "Something else")],
        default=ExceptionKind.LEAVE.value,
        validators=[InputRequired(message="Select why")],
    )
    note = StringField(
        "Note (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="Must be 200 characters or fewer")],
    )
    add = SubmitField("Add", widget=GovSubmitInput())  # not "submit": one page, two forms


class SeatForm(PortalForm):
    """Book or give up a seat; a manager says for whom."""

    participant = SelectField(
        "Participant",
        widget=GovSelect(),
        render_kw=SEARCHABLE,
        choices=[],
        validators=[Optional()],
        validate_choice=False,  # the service checks it is one of the authority's participants
    )
