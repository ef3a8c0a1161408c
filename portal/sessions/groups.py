"""Group sessions: supervision groups, seminars and the residential, with seats.

Group sessions are host rows, seen by every authority; their seats (places) are
each authority's own. A booking locks the session row first, so seats are taken
one at a time, and the last seat goes to exactly one person. A freed seat goes
to the first person waiting whom it fits, whichever authority they are in; that
seat is given, and its holder told, in their own authority's scope.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Role, User
from portal.audit.service import record
from portal.common.clock import LONDON, as_utc, utcnow
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.sessions import slots
from portal.sessions.diary import (
    NOTICE,
    audience,
    busy_as_host,
    busy_as_participant,
    get_session,
    has_room,
    lock_people,
    require_open,
    settings_for,
)
from portal.sessions.messages import (
    audit,
    cancel_reminders,
    queue_reminder,
    tell,
    when,
)
from portal.sessions.models import (
    GROUP_KINDS,
    Place,
    PlaceStatus,
    Session,
    SessionKind,
    SessionStatus,
)
from portal.sessions.visits import can_book_for, check_agenda, check_location, participant_of
from portal.tenants.models import Tenant

# Group sessions (except the residential) run within the working day.
WORKING_DAY = (time(8, 0), time(18, 0))
REPEATS = {"none": 0, "weekly": 7, "fortnightly": 14, "four_weekly": 28}
MAX_OCCURRENCES = 26


def _check_days(starts_at: datetime, ends_at: datetime, label: str) -> None:
    day, last = starts_at.astimezone(LONDON).date(), ends_at.astimezone(LONDON).date()
    while day <= last:
        holiday = slots.bank_holiday(day)
        if holiday:
            raise RuleError(f"{label}{day:%A %-d %B %Y} is {holiday}, a bank holiday", "starts_on")
        if day.weekday() >= 5:
            raise RuleError(f"{label}{day:%A %-d %B %Y} is a weekend", "starts_on")
        day += timedelta(days=1)


def check_group_time(
    kind: SessionKind,
    starts_at: datetime,
    ends_at: datetime,
    *,
    host: User,
    excluding: int | None = None,
    label: str = "",
) -> None:
    """A group session is on working days, in working hours (the residential may run over
    several days), and its host has nothing else on."""
    _check_days(starts_at, ends_at, label)
    start, end = starts_at.astimezone(LONDON), ends_at.astimezone(LONDON)
    within_day = (
        start.date() == end.date()
        and WORKING_DAY[0] <= start.time()
        and end.time() <= WORKING_DAY[1]
    )
    if kind != SessionKind.RESIDENTIAL and not within_day:
        raise RuleError(f"{label}Group sessions run between 8am and 6pm on one day", "starts_at")
    if as_utc(starts_at) < utcnow() + NOTICE:
        raise RuleError(f"{label}Choose a time at least a day ahead", "starts_on")
    settings = settings_for(host.id)
    before = timedelta(minutes=settings.buffer_before)
    after = timedelta(minutes=settings.buffer_after)
    clash = busy_as_host(host.id, starts_at - before, ends_at + after, excluding=excluding)
    if clash:
        other = clash[0][0].astimezone(LONDON)
        raise RuleError(
            f"{label}It clashes with another session of {host.name}'s at "
            f"{other:%H:%M} on {other:%-d %B %Y}",
            "starts_on",
        )


def occurrences(first_start: datetime, length: timedelta, repeat: str, count: int):
    """(start, end) of each occurrence, keeping the London wall-clock time across clock
    changes: 10:00 every week stays 10:00."""
    step = REPEATS[repeat]
    local_start = first_start.astimezone(LONDON).replace(tzinfo=None)
    for n in range(count if step else 1):
        wall = local_start + timedelta(days=step * n)
        start = wall.replace(tzinfo=LONDON).astimezone(UTC)
        end = (wall + length).replace(tzinfo=LONDON).astimezone(UTC)
        yield start, end


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _check_group(kind, title, starts_at, ends_at, seats, seats_per_authority, repeat, count):
    """The form's values make sense for a group session; returns the cleaned title."""
    if kind not in GROUP_KINDS:
        raise RuleError("Select a supervision group, seminar or residential", "kind")
    title = (title or "").strip()
    if not title:
        raise RuleError("Enter a title", "title")
    if len(title) > 120:
        raise RuleError("The title must be 120 characters or fewer", "title")
    if starts_at is None:
        raise RuleError("Enter the date and start time", "starts_on")
    if ends_at is None or ends_at <= starts_at:
        raise RuleError("The end must be after the start", "ends_at")
    if ends_at - starts_at > timedelta(days=3):
        raise RuleError("A session can be at most 3 days long", "ends_at")
    if not seats or not 1 <= seats <= 200:
        raise RuleError("Enter the number of seats, from 1 to 200", "seats")
    if seats_per_authority is not None and not 1 <= seats_per_authority <= seats:
        raise RuleError(
            "Seats per authority must be from 1 to the number of seats", "seats_per_authority"
        )
    if repeat not in REPEATS:
        raise RuleError("Select how often it repeats", "repeat")
    if REPEATS[repeat] and not 2 <= (count or 0) <= MAX_OCCURRENCES:
        raise RuleError(f"Enter how many times, from 2 to {MAX_OCCURRENCES}", "count")
    return title


def create_group(
    *,
    actor: User,
    kind: SessionKind,
    title: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    location: str | None,
    seats: int | None,
    seats_per_authority: int | None = None,
    repeat: str = "none",
    count: int = 1,
    agenda: str = "",
) -> list[Session]:
    """A facilitator creates a group session, or a series: every occurrence is checked."""
    if actor.role not in (Role.FACILITATOR, Role.CENTRE_ADMIN):
        raise RuleError("Only facilitators create group sessions")
    title = _check_group(kind, title, starts_at, ends_at, seats, seats_per_authority, repeat,
                         count)  # fmt: skip
    location, agenda = check_location(location), check_agenda(agenda)
    lock_people([actor.id])
    times = list(occurrences(as_utc(starts_at), ends_at - starts_at, repeat, count))
    series = None
    if len(times) > 1:
        from portal.sessions.models import new_uid

        series = new_uid()
    created = []
    for n, (start, end) in enumerate(times, start=1):
        local_day = start.astimezone(LONDON)
        label = f"The {_ordinal(n)} session, {local_day:%-d %B %Y}: " if series else ""
        check_group_time(kind, start, end, host=actor, label=label)
        session = Session(
            tenant_id=None, kind=kind, title=title, host_id=actor.id, starts_at=start,
            ends_at=end, location=location, agenda=agenda, status=SessionStatus.CONFIRMED,
            seats=seats, seats_per_authority=seats_per_authority, series_id=series,
            occurrence=n, created_by_id=actor.id,
        )  # fmt: skip
        db.session.add(session)
        db.session.flush()  # the next occurrence's clash check sees this one
        queue_reminder(session, actor.id, None)
        created.append(session)
    audit("group_created", created[0], actor, f"{title}: {len(created)} session(s)",
          kind=kind.value, first=when(created[0]))  # fmt: skip
    return created


def group_session(session_id: int) -> Session:
    session = get_session(session_id, lock=True)  # one booking of this session at a time
    if not session.is_group:
        raise NotFound(session_id)
    return session


def book_seat(*, actor: User, tenant: Tenant, session_id: int, participant_id: int | None) -> Place:
    """A participant takes a seat (or a manager books one for them); when the session or
    their authority's share is full, they join the waiting list."""
    participant = booking_for(actor, tenant, participant_id)
    session = group_session(session_id)
    place = take_seat(actor, tenant, session, participant)
    if place.status == PlaceStatus.BOOKED:
        text = f"Seat booked for {participant.name}: {session.title}, {when(session)}."
    else:
        text = (
            f"{session.title} on {when(session)} has no seat free for {tenant.name}. "
            f"{participant.name} is on the waiting list and will be told if a seat comes free."
        )
    booked = place.status == PlaceStatus.BOOKED
    tell([(participant, tenant.id), (actor, tenant.id)], session, text, calendar=booked)
    return place


def booking_for(actor: User, tenant: Tenant, participant_id: int | None) -> User:
    """The participant ``actor`` may book for: themselves, or (a manager) one of theirs."""
    if actor.role not in (Role.PARTNER_MANAGER, Role.PARTICIPANT):
        raise RuleError("Only partner staff book seats")
    participant = participant_of(tenant, participant_id)
    if not can_book_for(actor, participant.id):
        raise RuleError("You can only book a seat for yourself", "participant")
    return participant


def take_seat(actor: User, tenant: Tenant, session: Session, participant: User) -> Place:
    """A seat, or a place on the waiting list, in ``session`` (locked): nobody told yet."""
    require_open(session, "book")
    lock_people([participant.id])
    place = db.session.scalar(
        select(Place).where(Place.session_id == session.id, Place.participant_id == participant.id)
    )
    if place is not None and place.status != PlaceStatus.CANCELLED:
        state = "a seat" if place.status == PlaceStatus.BOOKED else "a place on the waiting list"
        raise RuleError(f"{participant.name} already has {state}")
    if busy_as_participant(participant.id, as_utc(session.starts_at), as_utc(session.ends_at)):
        raise RuleError(f"{participant.name} has another session at that time")
    status = PlaceStatus.BOOKED if has_room(session, tenant.id) else PlaceStatus.WAITING
    if place is None:
        place = Place(tenant_id=tenant.id, session=session, participant_id=participant.id)
        db.session.add(place)
    place.status, place.booked_by_id, place.attendance = status, actor.id, None
    place.created_at = utcnow()  # the back of the waiting list
    db.session.flush()
    audit(f"seat_{status.value}", session, actor, f"{participant.name}: {session.title}")
    if status == PlaceStatus.BOOKED:
        queue_reminder(session, participant.id, tenant.id)
    return place


def leave_seat(*, actor: User, tenant: Tenant, session_id: int, participant_id: int) -> Place:
    """Give up a seat (or a waiting-list place); a freed seat goes to the next in line."""
    session = group_session(session_id)
    require_open(session, "change")
    place = db.session.scalar(
        select(Place).where(
            Place.session_id == session.id,
            Place.participant_id == participant_id,
            Place.status != PlaceStatus.CANCELLED,
        )
    )
    if place is None:
        raise RuleError("There is no seat to give up")
    if not can_book_for(actor, place.participant_id):
        raise RuleError("You can only give up your own seat")
    was = place.status
    place.status = PlaceStatus.CANCELLED
    cancel_reminders(session, place.participant_id)
    audit("seat_cancelled", session, actor, f"{place.participant.name}: {session.title}")
    tell(
        [(place.participant, place.tenant_id)],
        session,
        f"{place.participant.name} no longer has a place at {session.title}, {when(session)}.",
    )
    if was == PlaceStatus.BOOKED:
        db.session.flush()
        fill_from_waiting_list(session)
    return place


def fill_from_waiting_list(session: Session) -> int | None:
    """Give a free seat to the first person waiting whom it fits (their authority's share,
    their diary), whatever their authority; returns the id of the place given, or None.

    The waiting list is read across authorities as ids; the seat is given, and its holder
    told, in the holder's own authority's scope.
    """
    start, end = as_utc(session.starts_at), as_utc(session.ends_at)
    for participant_id, tenant_id in audience(session, [PlaceStatus.WAITING]):
        if not has_room(session, tenant_id) or busy_as_participant(participant_id, start, end):
            continue
        with tenancy.writing_as(tenant_id):
            return _give_seat(session, participant_id, tenant_id)
    return None


def _give_seat(session: Session, participant_id: int, tenant_id: int) -> int:
    place = db.session.scalar(
        select(Place).where(Place.session_id == session.id, Place.participant_id == participant_id)
    )
    place.status = PlaceStatus.BOOKED
    db.session.flush()
    queue_reminder(session, participant_id, tenant_id)
    name = place.participant.name
    tell(
        [(place.participant, tenant_id)],
        session,
        f"A seat came free: {name} now has a seat at {session.title}, {when(session)}.",
        calendar=True,
    )
    record(
        "session.seat_from_waiting_list",
        obj=session,
        tenant_id=tenant_id,
        summary=f"{name}: {session.title}",
    )
    return place.id
