"""Who is busy when: the facts every booking rule reads.

A host's busy time spans every authority they work with, and a group session's
seats are held by people from several authorities, so those reads cross tenants:
through :func:`portal.tenancy.read_across`, as times and counts only, never as
rows that could carry who the other session is with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from portal import tenancy
from portal.accounts.models import Role, User
from portal.common.clock import as_utc, london_date, utcnow
from portal.common.records import one_or_not_found
from portal.errors import RuleError
from portal.extensions import db
from portal.placements.models import Placement, PlacementStatus
from portal.sessions import slots
from portal.sessions.models import (
    BUSY,
    ONE_TO_ONE_KINDS,
    AvailabilitySettings,
    AvailabilityWindow,
    Place,
    PlaceStatus,
    Session,
)
from portal.sessions.models import AvailabilityException as Exception_

# Bookings are made at least this far ahead, so the host has notice and the
# day-before reminder can always be sent.
NOTICE = timedelta(hours=24)
# Partner staff may hold a joint visit or consultation during a placement in these states.
PLACED = (PlacementStatus.CLEARED, PlacementStatus.ACTIVE)
HOSTS_OF_VISITS = (Role.HOST_PRACTITIONER, Role.SERVICE_LEAD)


def get_session(session_id: int, *, lock: bool = False) -> Session:
    """A session in the current scope (its authority's, or a host group), or NotFound."""
    return one_or_not_found(Session, session_id, lock=lock)


def require_open(session: Session, doing: str) -> None:
    """Refuse ``doing`` to a session that is over, cancelled or under way."""
    if session.status not in BUSY:
        raise RuleError(f"You cannot {doing} a session that is {session.status.label.lower()}")
    if as_utc(session.starts_at) <= utcnow():
        raise RuleError(f"You cannot {doing} a session that has started")


def lock_people(user_ids: Iterable[int]) -> None:
    """Lock everyone's row, in id order so two bookings never wait on each other."""
    ids = sorted(set(user_ids))
    db.session.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update())


# --- A host's rules --------------------------------------------------------------------------


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


# --- Busy times, across every authority ------------------------------------------------------


def _times(query) -> list[slots.Interval]:
    return [(as_utc(start), as_utc(end)) for start, end in tenancy.read_across(query)]


def busy_as_host(host_id: int, first: datetime, last: datetime, *, excluding: int | None = None):
    """The host's sessions (every authority's) overlapping the range: times only."""
    query = select(Session.starts_at, Session.ends_at).where(
        Session.host_id == host_id,
        Session.status.in_(BUSY),
        Session.starts_at < last,
        Session.ends_at > first,
        Session.id != (excluding or 0),
    )
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
    return [london_date(start) for start in tenancy.values_across(query)]


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


def in_periods(periods: list[tuple[date, date]]):
    return lambda day: any(start <= day <= end for start, end in periods)


def span(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """UTC bounds wide enough for the London days and any buffer around them."""
    margin = timedelta(days=1)
    return (
        slots.local(first_day, time(0, 0)) - margin,
        slots.local(last_day, time(0, 0)) + 2 * margin,
    )


def week_of(day: date) -> tuple[datetime, datetime]:
    """UTC bounds of the ISO week (Monday to Sunday, London) holding ``day``."""
    return span(day - timedelta(days=day.weekday()), day + timedelta(days=6 - day.weekday()))


def diary(host_id, participant_id, first_day, last_day, excluding=None) -> slots.Diary:
    """Everything that makes the host or participant busy around the London days."""
    first, last = span(first_day, last_day)
    # Caps count whole ISO weeks, so read the weeks around the range too.
    week_first, _ = week_of(first_day)
    _, week_last = week_of(last_day)
    return slots.Diary(
        host_busy=busy_as_host(host_id, first, last, excluding=excluding),
        visit_days=visit_days(host_id, week_first, week_last, excluding=excluding),
        participant_busy=(
            busy_as_participant(participant_id, first, last, excluding=excluding)
            if participant_id
            else []
        ),
    )


# --- Seats, across every authority -----------------------------------------------------------


def seat_counts(session_ids: list[int]) -> dict[int, int]:
    """Booked seats per session, every authority's (counts only)."""
    if not session_ids:
        return {}
    return dict(
        tenancy.read_across(
            select(Place.session_id, func.count())
            .where(Place.session_id.in_(session_ids), Place.status == PlaceStatus.BOOKED)
            .group_by(Place.session_id)
        )
    )


def seats_taken(session_id: int) -> tuple[int, dict[int, int]]:
    """Booked seats in all, and per authority (counts only)."""
    rows = tenancy.read_across(
        select(Place.tenant_id, func.count())
        .where(Place.session_id == session_id, Place.status == PlaceStatus.BOOKED)
        .group_by(Place.tenant_id)
    )
    per_authority = {tenant_id: count for tenant_id, count in rows}
    return sum(per_authority.values()), per_authority


@dataclass(frozen=True)
class SeatRoom:
    """A group session's seats as one authority sees them: the people booking there
    are told before they press anything whether they would get a seat or wait."""

    seats: int
    taken: int  # by every authority
    cap: int | None  # the most for one authority, if the session caps it
    ours: int  # taken by this authority

    @property
    def free(self) -> int:
        return max(0, self.seats - self.taken)

    @property
    def ours_free(self) -> int:
        """Seats this authority could still book."""
        return self.free if self.cap is None else max(0, min(self.free, self.cap - self.ours))

    @property
    def share_full(self) -> bool:
        """Seats are free, but not for this authority: its share is taken."""
        return self.free > 0 and self.ours_free == 0


def seat_room(session: Session, tenant_id: int) -> SeatRoom:
    total, per_authority = seats_taken(session.id)
    return SeatRoom(
        session.seats, total, session.seats_per_authority, per_authority.get(tenant_id, 0)
    )


def has_room(session: Session, tenant_id: int) -> bool:
    """A seat is free, within the authority's share if the session caps it."""
    return seat_room(session, tenant_id).ours_free > 0


def audience(session: Session, statuses: Iterable[PlaceStatus]) -> list[tuple[int, int]]:
    """(participant id, their authority) of every place in these states, whatever the
    authority: plain ids, for telling each person in their own authority's scope."""
    return [
        (participant_id, tenant_id)
        for participant_id, tenant_id in tenancy.read_across(
            select(Place.participant_id, Place.tenant_id)
            .where(Place.session_id == session.id, Place.status.in_(list(statuses)))
            .order_by(Place.created_at, Place.id)
        )
    ]
