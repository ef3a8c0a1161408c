"""The rules of sessions. Every booking and change goes through one of these functions.

Nobody is double-booked: a booking locks the rows of everyone it involves
(users, in id order; for a group session, the session row first), then re-checks
their freedom with the same rules the slot finder uses, then inserts, all in one
transaction. Two people booking the same slot at the same moment queue on the
lock; the second sees the first's session and is refused.

A host's busy time spans every authority they work with, so it is read in the
system scope; only times are read, never who the other session is with.

Reminders are outbox rows with the topic ``session:<id>:reminders:<user id>``;
cancelling or moving a session cancels or moves ``session:<id>:reminders``
and everything under it. The reminder job re-reads the session, so a reminder
for a cancelled session, or a seat given up, is never sent.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal import tenancy
from portal.accounts.models import Membership, Role, User
from portal.audit.service import record
from portal.common.clock import LONDON, as_utc, utcnow
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.host.models import HostService
from portal.jobs.service import cancel_topic, enqueue, move_topic
from portal.mail.service import queue_mail
from portal.notifications.service import notify
from portal.placements.models import Placement, PlacementStatus
from portal.sessions import slots
from portal.sessions.models import (
    BUSY,
    GROUP_KINDS,
    ONE_TO_ONE_KINDS,
    Attendance,
    AvailabilitySettings,
    AvailabilityWindow,
    CalendarFeed,
    Place,
    PlaceStatus,
    Session,
    SessionKind,
    SessionStatus,
)
from portal.sessions.models import AvailabilityException as Exception_
from portal.tenants.models import Tenant

S = SessionStatus
# Bookings are made at least this far ahead, so the host has notice and the
# day-before reminder can always be sent.
NOTICE = timedelta(hours=24)
REMINDER_BEFORE = timedelta(days=1)
LENGTHS = (60, 90, 120, 180)  # minutes offered for visits and consultations
ONLINE = "Online"
# Partner staff may hold a joint visit or consultation during a placement in these states.
PLACED = (PlacementStatus.CLEARED, PlacementStatus.ACTIVE)
HOSTS_OF_VISITS = (Role.HOST_PRACTITIONER, Role.SERVICE_LEAD)
# Group sessions (except the residential) run within the working day.
WORKING_DAY = (time(8, 0), time(18, 0))
REPEATS = {"none": 0, "weekly": 7, "fortnightly": 14, "four_weekly": 28}
MAX_OCCURRENCES = 26


def now() -> datetime:
    return utcnow()


def london_date(at: datetime) -> date:
    return as_utc(at).astimezone(LONDON).date()


# --- Looking things up -----------------------------------------------------------------------


def get_session(session_id: int, *, lock: bool = False) -> Session:
    """A session in the current scope (its authority's, or a host group), or NotFound."""
    query = select(Session).where(Session.id == session_id)
    if lock:
        query = query.with_for_update()
    session = db.session.scalar(query)
    if session is None:
        raise NotFound(session_id)
    return session


def settings_for(user_id: int) -> AvailabilitySettings:
    """The host's booking rules; the defaults until they change them."""
    return db.session.get(AvailabilitySettings, user_id) or AvailabilitySettings(
        user_id=user_id,
        buffer_before=30,
        buffer_after=30,
        max_per_day=2,
        max_per_week=6,
        confirm_bookings=False,
    )


def windows_for(user_id: int) -> list[AvailabilityWindow]:
    return list(
        db.session.scalars(
            select(AvailabilityWindow)
            .where(AvailabilityWindow.user_id == user_id)
            .order_by(AvailabilityWindow.weekday, AvailabilityWindow.starts)
        )
    )


def exceptions_for(user_id: int, *, from_day: date | None = None) -> list[Exception_]:
    query = select(Exception_).where(Exception_.user_id == user_id)
    if from_day is not None:
        query = query.where(Exception_.ends_on >= from_day)
    return list(db.session.scalars(query.order_by(Exception_.starts_on)))


def host_rules(user_id: int) -> slots.HostRules:
    settings = settings_for(user_id)
    windows: dict[int, list] = {}
    for window in windows_for(user_id):
        windows.setdefault(window.weekday, []).append((window.starts, window.ends))
    closed = set()
    for away in exceptions_for(user_id):
        day = away.starts_on
        while day <= away.ends_on:
            closed.add(day)
            day += timedelta(days=1)
    return slots.HostRules(
        windows={day: tuple(spans) for day, spans in windows.items()},
        closed=frozenset(closed),
        buffer_before=timedelta(minutes=settings.buffer_before),
        buffer_after=timedelta(minutes=settings.buffer_after),
        max_per_day=settings.max_per_day,
        max_per_week=settings.max_per_week,
    )


def _times(query) -> list[slots.Interval]:
    return [(as_utc(start), as_utc(end)) for start, end in db.session.execute(query).all()]


def busy_as_host(host_id: int, first: datetime, last: datetime, *, excluding: int | None = None):
    """The host's sessions (every authority's) overlapping the range: times only."""
    query = select(Session.starts_at, Session.ends_at).where(
        Session.host_id == host_id,
        Session.status.in_(BUSY),
        Session.starts_at < last,
        Session.ends_at > first,
        Session.id != (excluding or 0),
    )
    with tenancy.system_scope():
        return _times(query)


def busy_as_participant(
    user_id: int, first: datetime, last: datetime, *, excluding: int | None = None
):
    """Sessions the participant has a booked place in, overlapping the range: times only."""
    query = (
        select(Session.starts_at, Session.ends_at)
        .join(Place, Place.session_id == Session.id)
        .where(
            Place.participant_id == user_id,
            Place.status == PlaceStatus.BOOKED,
            Session.status.in_(BUSY),
            Session.starts_at < last,
            Session.ends_at > first,
            Session.id != (excluding or 0),
        )
    )
    with tenancy.system_scope():
        return _times(query)


def visit_days(host_id: int, first: datetime, last: datetime, *, excluding: int | None = None):
    """London dates of the host's one-to-one sessions (what the caps count)."""
    query = select(Session.starts_at).where(
        Session.host_id == host_id,
        Session.kind.in_(ONE_TO_ONE_KINDS),
        Session.status.in_(BUSY),
        Session.starts_at < last,
        Session.ends_at > first,
        Session.id != (excluding or 0),
    )
    with tenancy.system_scope():
        return [london_date(start) for start in db.session.scalars(query)]


def placement_periods(participant_id: int) -> list[tuple[date, date]]:
    """The participant's active or cleared placements (their authority's scope)."""
    return [
        (start, end)
        for start, end in db.session.execute(
            select(Placement.starts_on, Placement.ends_on).where(
                Placement.participant_id == participant_id, Placement.status.in_(PLACED)
            )
        ).all()
    ]


def _in_periods(periods: list[tuple[date, date]]):
    return lambda day: any(start <= day <= end for start, end in periods)


def _span(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """UTC bounds wide enough for the London days and any buffer around them."""
    margin = timedelta(days=1)
    return (
        slots.local(first_day, time(0, 0)) - margin,
        slots.local(last_day, time(0, 0)) + 2 * margin,
    )


def _diary(host_id, participant_id, first_day, last_day, excluding=None) -> slots.Diary:
    first, last = _span(first_day, last_day)
    # Caps count whole ISO weeks, so read the weeks around the range too.
    week_first = first_day - timedelta(days=first_day.weekday())
    week_last = last_day + timedelta(days=6 - last_day.weekday())
    wf, wl = _span(week_first, week_last)
    return slots.Diary(
        host_busy=busy_as_host(host_id, first, last, excluding=excluding),
        visit_days=visit_days(host_id, wf, wl, excluding=excluding),
        participant_busy=(
            busy_as_participant(participant_id, first, last, excluding=excluding)
            if participant_id
            else []
        ),
    )


# --- Finding a time --------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    hosts: tuple[User, ...]

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(LONDON)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(LONDON)


def visit_hosts(tenant: Tenant, *, service_id: int | None = None) -> list[User]:
    """Host practitioners (and service leads) who work with the authority."""
    query = (
        select(User)
        .join(Membership, and_(Membership.user_id == User.id, Membership.tenant_id == tenant.id))
        .where(User.role.in_(HOSTS_OF_VISITS), User.active)
        .options(selectinload(User.host_service))
        .order_by(User.name)
    )
    if service_id is not None:
        query = query.where(User.host_service_id == service_id)
    return list(db.session.scalars(query))


def find_slots(
    *,
    participant_id: int,
    hosts: Iterable[User],
    first_day: date,
    last_day: date,
    length: timedelta,
    excluding: int | None = None,
) -> list[Slot]:
    """Times from ``first_day`` to ``last_day`` when the participant and a host are free."""
    periods = placement_periods(participant_id)
    by_start: dict[datetime, list[User]] = {}
    for host in hosts:
        found = slots.free_slots(
            rules=host_rules(host.id),
            diary=_diary(host.id, participant_id, first_day, last_day, excluding),
            first_day=first_day,
            last_day=last_day,
            length=length,
            allowed_day=_in_periods(periods),
            not_before=now() + NOTICE,
        )
        for start in found:
            by_start.setdefault(start, []).append(host)
    return [Slot(start, start + length, tuple(by_start[start])) for start in sorted(by_start)]


def _refusal(
    host: User,
    participant: User | None,
    starts_at: datetime,
    ends_at: datetime,
    *,
    excluding: int | None = None,
    placed_only: bool = True,
) -> str | None:
    """Why the host and participant cannot meet then, in words, or None if they can."""
    rules = host_rules(host.id)
    day = london_date(starts_at)
    diary = _diary(host.id, participant.id if participant else None, day, day, excluding)
    if placed_only and participant is not None:
        periods = placement_periods(participant.id)
        allowed = _in_periods(periods)
    else:
        allowed = None
    reason = slots.why_not(
        starts_at,
        ends_at - starts_at,
        rules=rules,
        diary=diary,
        allowed_day=allowed,
        not_before=now() + NOTICE,
    )
    if reason is None:
        return None
    return reason.format(host=host.name, participant=participant.name if participant else "")


def _lock_people(user_ids: Iterable[int]) -> None:
    """Lock everyone's row, in id order so two bookings never wait on each other."""
    ids = sorted(set(user_ids))
    db.session.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update())


# --- Telling people --------------------------------------------------------------------------


def session_path(session: Session, tenant_id: int | None) -> str:
    """Where a person of ``tenant_id`` (None: host staff) sees the session."""
    if tenant_id is None:
        return f"/host/sessions/{session.id}"
    slug = db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))
    return f"/{slug}/sessions/{session.id}"


def _tell(
    people: Iterable[tuple[User, int | None]],
    session: Session,
    text: str,
    *,
    subject: str | None = None,
    calendar: bool = False,
) -> None:
    """Tell each (person, their authority or None for host staff), in the portal and by
    email; with ``calendar``, the email carries the session as an iCalendar file (a
    cancellation for a cancelled session), so calendar apps update."""
    from portal.sessions import ical

    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    seen = set()
    for user, tenant_id in people:
        if user is None or not user.active or user.id in seen:
            continue
        seen.add(user.id)
        path = session_path(session, tenant_id)
        notify(user_id=user.id, text=text, link=path, tenant_id=tenant_id)
        queue_mail(
            to=user.email,
            subject=subject or f"{session.kind.label}: {when(session)}",
            body=f"Hello {user.name},\n\n{text}\n\nSee the session: {base}{path}\n",
            kind="session",
            tenant_id=tenant_id,
            calendar=ical.session_file(session, link=base + path) if calendar else None,
        )


def when(session: Session) -> str:
    start = as_utc(session.starts_at).astimezone(LONDON)
    end = as_utc(session.ends_at).astimezone(LONDON)
    same_day = start.date() == end.date()
    finish = f"{end:%H:%M}" if same_day else f"{end:%A %-d %B %Y}, {end:%H:%M}"
    return f"{start:%A %-d %B %Y}, {start:%H:%M} to {finish}"


def _everyone(session: Session, *, waiting: bool = False) -> list[tuple[User, int | None]]:
    """The host and the participants (in the current scope) of a session."""
    wanted = (PlaceStatus.BOOKED, PlaceStatus.WAITING) if waiting else (PlaceStatus.BOOKED,)
    people = [(session.host, session.tenant_id if not session.is_group else None)]
    people += [(p.participant, p.tenant_id) for p in session.places if p.status in wanted]
    return people


def _reminder_topic(session_id: int, user_id: int | None = None) -> str:
    topic = f"session:{session_id}:reminders"
    return topic if user_id is None else f"{topic}:{user_id}"


def _cancel_reminders(session: Session, user_id: int | None = None) -> None:
    # Seat holders' reminders belong to their own authorities: reach them all.
    with tenancy.system_scope():
        cancel_topic(_reminder_topic(session.id, user_id))


def _move_reminders(session: Session) -> None:
    run_at = as_utc(session.starts_at) - REMINDER_BEFORE
    with tenancy.system_scope():
        if run_at > now():
            move_topic(_reminder_topic(session.id), run_at)
        else:
            _cancel_reminders(session)


def _queue_reminder(session: Session, user_id: int, tenant_id: int | None) -> None:
    run_at = as_utc(session.starts_at) - REMINDER_BEFORE
    if run_at <= now():
        return  # booked within a day: the booking message is the reminder
    enqueue(
        "sessions.reminder",
        tenant_id=tenant_id,
        run_at=run_at,
        topic=_reminder_topic(session.id, user_id),
        session_id=session.id,
        user_id=user_id,
    )


def _audit(action: str, session: Session, actor: User, summary: str, **details) -> None:
    record(
        f"session.{action}",
        obj=session,
        actor=actor,
        tenant_id=session.tenant_id,
        summary=summary,
        details=details or None,
    )


# --- One-to-one sessions: joint visits and consultations --------------------------------------


def offices() -> list[str]:
    """Where sessions may happen: a host office, or online. Never a family's address."""
    found = db.session.scalars(select(HostService.office).distinct().order_by(HostService.office))
    return [ONLINE, *[office for office in found if office]]


def _participant_of(tenant: Tenant, participant_id: int | None) -> User:
    participant = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == (participant_id or 0),
            User.role == Role.PARTICIPANT,
            User.active,
            Membership.tenant_id == tenant.id,
        )
    )
    if participant is None:
        raise RuleError("Select a participant from your authority", "participant")
    return participant


def can_book_for(actor: User, participant_id: int) -> bool:
    return actor.role == Role.PARTNER_MANAGER or actor.id == participant_id


def _check_length(minutes: int | None) -> timedelta:
    if minutes not in LENGTHS:
        raise RuleError("Select how long the session is", "length")
    return timedelta(minutes=minutes)


def _check_location(location: str | None) -> str:
    if location not in offices():
        raise RuleError("Select where the session is: a host office or online", "location")
    return location


def _check_agenda(agenda: str | None) -> str:
    agenda = (agenda or "").strip()
    if len(agenda) > 1000:
        raise RuleError("What you want to cover must be 1,000 characters or fewer", "agenda")
    return agenda


def book_visit(
    *,
    actor: User,
    tenant: Tenant,
    participant_id: int | None,
    kind: SessionKind,
    starts_at: datetime | None,
    length_minutes: int | None,
    location: str | None,
    host_id: int | None = None,
    service_id: int | None = None,
    agenda: str = "",
) -> Session:
    """Book a joint visit or case consultation with a host (or anyone in a service).

    Everyone's freedom is checked again here, under locks, whatever the slot list said.
    """
    if actor.role not in (Role.PARTNER_MANAGER, Role.PARTICIPANT):
        raise RuleError("Only partner staff book joint visits and consultations")
    participant = _participant_of(tenant, participant_id)
    if not can_book_for(actor, participant.id):
        raise RuleError("You can only book sessions for yourself", "participant")
    if kind not in ONE_TO_ONE_KINDS:
        raise RuleError("Select a joint visit or a case consultation", "kind")
    if starts_at is None:
        raise RuleError("Select a time", "starts_at")
    starts_at = as_utc(starts_at)
    ends_at = starts_at + _check_length(length_minutes)
    location = _check_location(location)
    agenda = _check_agenda(agenda)
    hosts = visit_hosts(tenant, service_id=service_id)
    if host_id is not None:
        hosts = [h for h in hosts if h.id == host_id]
    if not hosts:
        raise RuleError("Select a host practitioner who works with your authority", "host")

    _lock_people([participant.id, *(h.id for h in hosts)])
    refusals = []
    # "Anyone in this service": the host with the fewest visits that week goes first.
    day = london_date(starts_at)
    week = _span(day - timedelta(days=day.weekday()), day + timedelta(days=6 - day.weekday()))
    load = {h.id: len(visit_days(h.id, *week)) for h in hosts} if len(hosts) > 1 else {}
    for host in sorted(hosts, key=lambda h: (load.get(h.id, 0), h.name)):
        refusal = _refusal(host, participant, starts_at, ends_at)
        if refusal is None:
            break
        refusals.append(refusal)
    else:
        raise RuleError(
            refusals[0]
            if len(hosts) == 1
            else "Nobody in that service is free then any more. Choose another time.",
            "starts_at",
        )

    confirm = settings_for(host.id).confirm_bookings
    session = Session(
        tenant_id=tenant.id,
        kind=kind,
        title=f"{kind.label}: {participant.name} with {host.name}",
        host_id=host.id,
        service_id=host.host_service_id,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        agenda=agenda,
        status=S.PROPOSED if confirm else S.CONFIRMED,
        seats=1,
        created_by_id=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    db.session.add(
        Place(
            tenant_id=tenant.id,
            session=session,
            participant_id=participant.id,
            booked_by_id=actor.id,
        )
    )
    db.session.flush()
    _queue_reminder(session, host.id, tenant.id)
    _queue_reminder(session, participant.id, tenant.id)
    _audit("booked", session, actor, f"{session.title}, {when(session)}")
    ask = " Please confirm or decline it." if confirm else ""
    _tell(
        [(host, tenant.id)],
        session,
        f"{participant.name} ({tenant.name}) booked a {kind.label.lower()} with you: "
        f"{when(session)}, {location}.{ask}",
        calendar=True,
    )
    state = "waiting for the host to confirm" if confirm else "confirmed"
    _tell(
        [(participant, tenant.id), (actor, tenant.id)],
        session,
        f"{kind.label} with {host.name}, {when(session)}, {location}: {state}.",
        calendar=True,
    )
    return session


def can_change(actor: User, session: Session) -> bool:
    """Who may move or cancel a session: its host, the centre, and for one-to-one
    sessions the participant and their manager."""
    if actor.role == Role.CENTRE_ADMIN or actor.id == session.host_id:
        return True
    if session.is_group:
        return actor.role == Role.FACILITATOR
    if actor.role == Role.PARTNER_MANAGER:
        return session.tenant_id in (tenancy.current_scope() or ())
    return any(p.participant_id == actor.id for p in session.places)


def _require_open(session: Session, doing: str) -> None:
    if session.status not in BUSY:
        raise RuleError(f"You cannot {doing} a session that is {session.status.label.lower()}")
    if as_utc(session.starts_at) <= now():
        raise RuleError(f"You cannot {doing} a session that has started")


def confirm_session(session_id: int, *, actor: User) -> Session:
    session = get_session(session_id, lock=True)
    if actor.id != session.host_id and actor.role != Role.CENTRE_ADMIN:
        raise RuleError("Only the host can confirm this session")
    if session.status != S.PROPOSED:
        raise RuleError(f"This session is already {session.status.label.lower()}")
    _require_open(session, "confirm")
    session.status = S.CONFIRMED
    session.sequence += 1
    _audit("confirmed", session, actor, session.title)
    _tell(
        _everyone(session)[1:] + [(session.created_by, session.tenant_id)],
        session,
        f"{session.host.name} confirmed the {session.kind.label.lower()}: {when(session)}.",
        calendar=True,
    )
    return session


def cancel_session(session_id: int, *, actor: User, reason: str) -> Session:
    """Cancel with a reason: everyone is told, every reminder is cancelled."""
    session = get_session(session_id, lock=True)
    if not can_change(actor, session):
        raise RuleError("You cannot cancel this session")
    _require_open(session, "cancel")
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Enter a reason for cancelling", "reason")
    if len(reason) > 500:
        raise RuleError("The reason must be 500 characters or fewer", "reason")
    session.status = S.CANCELLED
    session.sequence += 1
    session.change_reason = reason
    _cancel_reminders(session)
    _audit("cancelled", session, actor, session.title, reason=reason)
    people = _everyone(session, waiting=True)
    if session.is_group:
        with tenancy.system_scope():  # every authority's seat holders are told
            people = _everyone(get_session(session.id), waiting=True)
            text = f"Cancelled: {session.title}, {when(session)}. Reason: {reason}"
            _tell(people, session, text, calendar=True)
            db.session.flush()  # their notifications and mail belong to their authorities
    else:
        _tell(
            people + [(session.created_by, session.tenant_id)],
            session,
            f"Cancelled by {actor.name}: {session.title}, {when(session)}. Reason: {reason}",
            calendar=True,
        )
    return session


def reschedule_session(
    session_id: int, *, actor: User, starts_at: datetime | None, reason: str = ""
) -> Session:
    """Move a session: everyone's freedom is checked at the new time, reminders move."""
    session = get_session(session_id, lock=True)
    if not can_change(actor, session):
        raise RuleError("You cannot move this session")
    _require_open(session, "move")
    if starts_at is None:
        raise RuleError("Select a new time", "starts_at")
    starts_at = as_utc(starts_at)
    if starts_at == as_utc(session.starts_at):
        raise RuleError("Choose a time different from the current one", "starts_at")
    length = as_utc(session.ends_at) - as_utc(session.starts_at)
    ends_at = starts_at + length
    with tenancy.system_scope():
        places = [p for p in get_session(session.id).places if p.status == PlaceStatus.BOOKED]
        people = [p.participant for p in places]
    _lock_people([session.host_id, *(p.id for p in people)])
    if session.is_group:
        _check_group_time(session.kind, starts_at, ends_at, host=session.host, excluding=session.id)
        clashes = [
            p for p in people if busy_as_participant(p.id, starts_at, ends_at, excluding=session.id)
        ]
        if clashes:
            raise RuleError(
                f"{len(clashes)} of the people booked have another session then", "starts_at"
            )
    else:
        refusal = _refusal(
            session.host, people[0] if people else None, starts_at, ends_at, excluding=session.id
        )
        if refusal:
            raise RuleError(refusal, "starts_at")
    before = when(session)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.sequence += 1
    session.change_reason = (reason or "").strip()[:500] or None
    if (
        not session.is_group
        and actor.id != session.host_id
        and settings_for(session.host_id).confirm_bookings
    ):
        session.status = S.PROPOSED
    _move_reminders(session)
    _audit("rescheduled", session, actor, session.title, before=before, after=when(session))
    text = f"Moved by {actor.name}: {session.title} is now {when(session)} (was {before})."
    if session.change_reason:
        text += f" Reason: {session.change_reason}"
    if session.is_group:
        with tenancy.system_scope():
            _tell(_everyone(get_session(session.id)), session, text, calendar=True)
            db.session.flush()
    else:
        people = _everyone(session) + [(session.created_by, session.tenant_id)]
        _tell(people, session, text, calendar=True)
    return session


def record_attendance(session_id: int, *, actor: User, marks: dict[int, Attendance]) -> Session:
    """After a session the host records who came; one-to-one participants who came are
    invited to write a reflection about it."""
    session = get_session(session_id, lock=True)
    if actor.id != session.host_id and actor.role not in (Role.CENTRE_ADMIN, Role.FACILITATOR):
        raise RuleError("Only the host can record attendance")
    if session.status in (S.CANCELLED, S.PROPOSED):
        raise RuleError(
            f"You cannot record attendance for a session that is {session.status.label.lower()}"
        )
    if as_utc(session.starts_at) > now():
        raise RuleError("You can record attendance once the session has started")
    booked = {p.id: p for p in session.places if p.status == PlaceStatus.BOOKED}
    if not marks or set(marks) - set(booked):
        raise RuleError("Record attendance for the people booked")
    first_time = session.status == S.CONFIRMED
    for place_id, mark in marks.items():
        booked[place_id].attendance = mark
    if session.is_group:
        session.status = S.COMPLETED
    else:
        came = any(p.attendance == Attendance.ATTENDED for p in booked.values())
        session.status = S.COMPLETED if came else S.NO_SHOW
    _audit(
        "attendance",
        session,
        actor,
        session.title,
        marks={str(k): v.value for k, v in marks.items()},
    )
    if first_time and not session.is_group:
        for place in booked.values():
            if place.attendance == Attendance.ATTENDED:
                notify(
                    user_id=place.participant_id,
                    text=f"How did the {session.kind.label.lower()} with {session.host.name} "
                    "go? Write a reflection about it.",
                    link=reflection_path(session, place.tenant_id),
                    tenant_id=place.tenant_id,
                )
    return session


def reflection_path(session: Session, tenant_id: int) -> str:
    """Where a participant writes a reflection on a session (the learning boards take
    it from here: the session page's reflection section links on to the board)."""
    return f"{session_path(session, tenant_id)}#reflect"


# --- Group sessions --------------------------------------------------------------------------


def _check_group_time(
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
    start, end = starts_at.astimezone(LONDON), ends_at.astimezone(LONDON)
    day = start.date()
    while day <= end.date():
        holiday = slots.bank_holiday(day)
        if holiday:
            raise RuleError(f"{label}{day:%A %-d %B %Y} is {holiday}, a bank holiday", "starts_on")
        if day.weekday() >= 5:
            raise RuleError(f"{label}{day:%A %-d %B %Y} is a weekend", "starts_on")
        day += timedelta(days=1)
    if kind != SessionKind.RESIDENTIAL and not (
        start.date() == end.date()
        and WORKING_DAY[0] <= start.time()
        and end.time() <= WORKING_DAY[1]
    ):
        raise RuleError(f"{label}Group sessions run between 8am and 6pm on one day", "starts_at")
    if as_utc(starts_at) < now() + NOTICE:
        raise RuleError(f"{label}Choose a time at least a day ahead", "starts_on")
    settings = settings_for(host.id)
    before, after = (
        timedelta(minutes=settings.buffer_before),
        timedelta(minutes=settings.buffer_after),
    )
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
    location = _check_location(location)
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
    agenda = _check_agenda(agenda)

    _lock_people([actor.id])
    times = list(occurrences(as_utc(starts_at), ends_at - starts_at, repeat, count))
    series = None
    if len(times) > 1:
        from portal.sessions.models import new_uid

        series = new_uid()
    created = []
    for n, (start, end) in enumerate(times, start=1):
        label = (
            f"The {_ordinal(n)} session, {start.astimezone(LONDON):%-d %B %Y}: " if series else ""
        )
        _check_group_time(kind, start, end, host=actor, label=label)
        session = Session(
            tenant_id=None,
            kind=kind,
            title=title,
            host_id=actor.id,
            starts_at=start,
            ends_at=end,
            location=location,
            agenda=agenda,
            status=S.CONFIRMED,
            seats=seats,
            seats_per_authority=seats_per_authority,
            series_id=series,
            occurrence=n,
            created_by_id=actor.id,
        )
        db.session.add(session)
        db.session.flush()  # the next occurrence's clash check sees this one
        _queue_reminder(session, actor.id, None)
        created.append(session)
    _audit(
        "group_created",
        created[0],
        actor,
        f"{title}: {len(created)} session(s)",
        kind=kind.value,
        first=when(created[0]),
    )
    return created


def seats_taken(session_id: int) -> tuple[int, dict[int, int]]:
    """Booked seats in all, and per authority (counts only, so in the system scope)."""
    with tenancy.system_scope():
        rows = db.session.execute(
            select(Place.tenant_id, func.count())
            .where(Place.session_id == session_id, Place.status == PlaceStatus.BOOKED)
            .group_by(Place.tenant_id)
        ).all()
    per_authority = {tenant_id: count for tenant_id, count in rows}
    return sum(per_authority.values()), per_authority


def _has_room(session: Session, tenant_id: int) -> bool:
    total, per_authority = seats_taken(session.id)
    if total >= session.seats:
        return False
    cap = session.seats_per_authority
    return cap is None or per_authority.get(tenant_id, 0) < cap


def book_seat(*, actor: User, tenant: Tenant, session_id: int, participant_id: int | None) -> Place:
    """A participant takes a seat (or a manager books one for them); when the session or
    their authority's share is full, they join the waiting list."""
    if actor.role not in (Role.PARTNER_MANAGER, Role.PARTICIPANT):
        raise RuleError("Only partner staff book seats")
    participant = _participant_of(tenant, participant_id)
    if not can_book_for(actor, participant.id):
        raise RuleError("You can only book a seat for yourself", "participant")
    session = get_session(session_id, lock=True)  # one booking of this session at a time
    if not session.is_group:
        raise NotFound(session_id)
    _require_open(session, "book")
    _lock_people([participant.id])
    place = db.session.scalar(
        select(Place).where(Place.session_id == session.id, Place.participant_id == participant.id)
    )
    if place is not None and place.status != PlaceStatus.CANCELLED:
        state = "a seat" if place.status == PlaceStatus.BOOKED else "a place on the waiting list"
        raise RuleError(f"{participant.name} already has {state}")
    if busy_as_participant(participant.id, as_utc(session.starts_at), as_utc(session.ends_at)):
        raise RuleError(f"{participant.name} has another session at that time")
    status = PlaceStatus.BOOKED if _has_room(session, tenant.id) else PlaceStatus.WAITING
    if place is None:
        place = Place(tenant_id=tenant.id, session=session, participant_id=participant.id)
        db.session.add(place)
    place.status, place.booked_by_id, place.attendance = status, actor.id, None
    place.created_at = utcnow()  # the back of the waiting list
    db.session.flush()
    _audit(f"seat_{status.value}", session, actor, f"{participant.name}: {session.title}")
    if status == PlaceStatus.BOOKED:
        _queue_reminder(session, participant.id, tenant.id)
        text = f"Seat booked for {participant.name}: {session.title}, {when(session)}."
    else:
        text = (
            f"{session.title} on {when(session)} is full. {participant.name} is on the "
            "waiting list and will be told if a seat comes free."
        )
    booked = status == PlaceStatus.BOOKED
    _tell([(participant, tenant.id), (actor, tenant.id)], session, text, calendar=booked)
    return place


def leave_seat(*, actor: User, tenant: Tenant, session_id: int, participant_id: int) -> Place:
    """Give up a seat (or a waiting-list place); a freed seat goes to the next in line."""
    session = get_session(session_id, lock=True)
    if not session.is_group:
        raise NotFound(session_id)
    _require_open(session, "change")
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
    _cancel_reminders(session, place.participant_id)
    _audit("seat_cancelled", session, actor, f"{place.participant.name}: {session.title}")
    _tell(
        [(place.participant, place.tenant_id)],
        session,
        f"{place.participant.name} no longer has a place at {session.title}, {when(session)}.",
    )
    if was == PlaceStatus.BOOKED:
        db.session.flush()
        fill_from_waiting_list(session)
    return place


def fill_from_waiting_list(session: Session) -> Place | None:
    """Give a free seat to the first person waiting whom it fits (their authority's share,
    their diary). Waiting lists span authorities, so this runs in the system scope."""
    with tenancy.system_scope():
        waiting = db.session.scalars(
            select(Place)
            .where(Place.session_id == session.id, Place.status == PlaceStatus.WAITING)
            .order_by(Place.created_at, Place.id)
        ).all()
        for place in waiting:
            if not _has_room(session, place.tenant_id):
                continue
            start, end = as_utc(session.starts_at), as_utc(session.ends_at)
            if busy_as_participant(place.participant_id, start, end):
                continue
            place.status = PlaceStatus.BOOKED
            db.session.flush()
            _queue_reminder(session, place.participant_id, place.tenant_id)
            _tell(
                [(place.participant, place.tenant_id)],
                session,
                f"A seat came free: {place.participant.name} now has a seat at "
                f"{session.title}, {when(session)}.",
                calendar=True,
            )
            record(
                "session.seat_from_waiting_list",
                obj=session,
                tenant_id=place.tenant_id,
                summary=f"{place.participant.name}: {session.title}",
            )
            db.session.flush()  # the reminder and messages belong to their authority
            return place
    return None


# --- Reminders -------------------------------------------------------------------------------


def send_reminder(session_id: int, user_id: int) -> bool:
    """The day-before reminder; re-reads everything, so a cancelled session, a seat given
    up or a session moved further off sends nothing. Returns whether it was sent."""
    session = db.session.scalar(select(Session).where(Session.id == session_id))
    if session is None or session.status not in BUSY:
        return False
    start = as_utc(session.starts_at)
    if not now() < start <= now() + REMINDER_BEFORE + timedelta(hours=1):
        return False
    if user_id == session.host_id:
        tenant_id = None if session.is_group else session.tenant_id
    else:
        place = db.session.scalar(
            select(Place).where(
                Place.session_id == session.id,
                Place.participant_id == user_id,
                Place.status == PlaceStatus.BOOKED,
            )
        )
        if place is None:
            return False
        tenant_id = place.tenant_id
    user = db.session.get(User, user_id)
    _tell(
        [(user, tenant_id)],
        session,
        f"Reminder: {session.title}, {when(session)}, {session.location}.",
        subject=f"Tomorrow: {session.kind.label.lower()}, {start.astimezone(LONDON):%H:%M}",
    )
    return True


# --- Availability ----------------------------------------------------------------------------


def save_settings(
    user: User,
    *,
    buffer_before: int | None,
    buffer_after: int | None,
    max_per_day: int | None,
    max_per_week: int | None,
    confirm_bookings: bool,
) -> AvailabilitySettings:
    for name, value in (("buffer_before", buffer_before), ("buffer_after", buffer_after)):
        if value is None or not 0 <= value <= 240:
            raise RuleError("Enter a buffer from 0 to 240 minutes", name)
    if max_per_day is not None and not 1 <= max_per_day <= 10:
        raise RuleError("Visits a day must be from 1 to 10, or blank for no limit", "max_per_day")
    if max_per_week is not None and not 1 <= max_per_week <= 50:
        raise RuleError("Visits a week must be from 1 to 50, or blank for no limit", "max_per_week")
    if max_per_day and max_per_week and max_per_week < max_per_day:
        raise RuleError("Visits a week cannot be fewer than visits a day", "max_per_week")
    settings = db.session.get(AvailabilitySettings, user.id)
    if settings is None:
        settings = AvailabilitySettings(user_id=user.id)
        db.session.add(settings)
    settings.buffer_before, settings.buffer_after = buffer_before, buffer_after
    settings.max_per_day, settings.max_per_week = max_per_day, max_per_week
    settings.confirm_bookings = bool(confirm_bookings)
    record("availability.settings", obj=user, actor=user, summary="Booking rules changed")
    return settings


def save_windows(user: User, windows: dict[int, tuple | None]) -> None:
    """Replace the weekly windows: weekday -> (starts, ends) in London time, or None."""
    for weekday, span in windows.items():
        if span is None:
            continue
        starts, ends = span
        if starts is None or ends is None:
            raise RuleError(
                "Enter both a start and an end time, or neither", f"day_{weekday}_starts"
            )
        if ends <= starts:
            raise RuleError("The end time must be after the start time", f"day_{weekday}_ends")
    for old in windows_for(user.id):
        db.session.delete(old)
    for weekday, span in sorted(windows.items()):
        if span is not None:
            db.session.add(
                AvailabilityWindow(user_id=user.id, weekday=weekday, starts=span[0], ends=span[1])
            )
    record("availability.windows", obj=user, actor=user, summary="Working hours changed")


def add_exception(
    user: User, *, starts_on: date | None, ends_on: date | None, kind, note: str = ""
) -> Exception_:
    if starts_on is None:
        raise RuleError("Enter the first day away", "starts_on")
    if ends_on is None:
        ends_on = starts_on
    if ends_on < starts_on:
        raise RuleError("The last day must be the same as or after the first day", "ends_on")
    if ends_on - starts_on > timedelta(days=366):
        raise RuleError("Time away can be at most a year", "ends_on")
    away = Exception_(
        user_id=user.id,
        starts_on=starts_on,
        ends_on=ends_on,
        kind=kind,
        note=(note or "").strip()[:200],
    )
    db.session.add(away)
    record(
        "availability.exception",
        obj=user,
        actor=user,
        summary=f"Away {starts_on:%-d %B} to {ends_on:%-d %B %Y}",
    )
    return away


def remove_exception(user: User, exception_id: int) -> None:
    away = db.session.get(Exception_, exception_id)
    if away is None or away.user_id != user.id:
        raise NotFound(exception_id)
    db.session.delete(away)


# --- Views -----------------------------------------------------------------------------------


def _loaded(query):
    return query.options(
        selectinload(Session.host),
        selectinload(Session.tenant),
        selectinload(Session.places).selectinload(Place.participant),
    )


def hosted_by(user: User, first: datetime, last: datetime) -> list[Session]:
    """Sessions the user leads, across the authorities in scope (and host groups)."""
    return list(
        db.session.scalars(
            _loaded(select(Session))
            .where(Session.host_id == user.id, Session.starts_at < last, Session.ends_at > first)
            .order_by(Session.starts_at)
        )
    )


def attended_by(
    user: User, first: datetime | None = None, last: datetime | None = None
) -> list[Session]:
    """Sessions the participant has a place in (booked or waiting)."""
    query = (
        _loaded(select(Session))
        .join(Place, Place.session_id == Session.id)
        .where(Place.participant_id == user.id, Place.status != PlaceStatus.CANCELLED)
    )
    if first is not None:
        query = query.where(Session.ends_at > first)
    if last is not None:
        query = query.where(Session.starts_at < last)
    return list(db.session.scalars(query.order_by(Session.starts_at)))


def authority_sessions(tenant: Tenant, first: datetime, last: datetime) -> list[Session]:
    """The authority's one-to-one sessions, and group sessions its people have places in."""
    has_place = select(Place.id).where(
        Place.session_id == Session.id,
        Place.tenant_id == tenant.id,
        Place.status != PlaceStatus.CANCELLED,
    )
    return list(
        db.session.scalars(
            _loaded(select(Session))
            .where(
                or_(Session.tenant_id == tenant.id, has_place.exists()),
                Session.starts_at < last,
                Session.ends_at > first,
            )
            .order_by(Session.starts_at)
        )
    )


def upcoming_groups(first: datetime, *, limit: int = 100) -> list[Session]:
    return list(
        db.session.scalars(
            _loaded(select(Session))
            .where(
                Session.tenant_id.is_(None),
                Session.status.in_(BUSY),
                Session.starts_at >= first,
            )
            .order_by(Session.starts_at)
            .limit(limit)
        )
    )


def seat_counts(session_ids: list[int]) -> dict[int, int]:
    """Booked seats per session, every authority's (counts only)."""
    if not session_ids:
        return {}
    with tenancy.system_scope():
        return dict(
            db.session.execute(
                select(Place.session_id, func.count())
                .where(Place.session_id.in_(session_ids), Place.status == PlaceStatus.BOOKED)
                .group_by(Place.session_id)
            ).all()
        )


# --- Calendar feeds --------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(user: User) -> str:
    """A new private feed address for ``user``; any previous one stops working."""
    token = secrets.token_urlsafe(32)
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash, feed.created_at, feed.last_used_at = _hash(token), utcnow(), None
    record("calendar.feed_created", obj=user, actor=user, summary="Calendar link created")
    return token


def revoke_feed(user: User) -> bool:
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        return False
    db.session.delete(feed)
    record("calendar.feed_revoked", obj=user, actor=user, summary="Calendar link turned off")
    return True


def feed_for(user: User) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, user.id)


def feed_owner(token: str) -> User | None:
    """The active person whose feed this token opens, or None (unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    if user is None or not user.active:
        return None
    feed.last_used_at = utcnow()
    return user


def calendar_sessions(user: User) -> list[Session]:
    """What a person's calendar shows: sessions they host or have a seat in, from 90 days
    ago (cancelled ones too, so calendar apps remove them)."""
    since = now() - timedelta(days=90)
    hosted = hosted_by(user, since, now() + timedelta(days=800))
    seated = [
        s
        for s in attended_by(user, since)
        if any(p.participant_id == user.id and p.status == PlaceStatus.BOOKED for p in s.places)
    ]
    return sorted({s.id: s for s in hosted + seated}.values(), key=lambda s: s.starts_at)
