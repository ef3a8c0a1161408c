"""A service's capacity: how many placements hold a place on each day, and how much room
is left. Capacity is shared by every authority, so the days are counted across all of
them (dates and weekdays only: no other authority's placement is ever loaded). A
placement holds a place only on its own weekdays (portal/placements/weekdays.py): two
people there on Mondays and Tuesdays leave the rest of the week free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal import tenancy
from portal.common.clock import today
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.host.models import HostService
from portal.placements import weekdays
from portal.placements.models import HOLDS_A_PLACE, Placement


def daily_places_taken(
    service_id: int, starts_on: date, ends_on: date, *, excluding: int | None = None
) -> dict[date, int]:
    """How many placements hold a place in the service on each day of the range.

    Counts every authority's placements, each on its own weekdays only: a service's
    capacity is shared. Only dates and weekdays are read, across every authority.
    """
    query = select(Placement.starts_on, Placement.ends_on, Placement.weekdays).where(
        Placement.service_id == service_id,
        Placement.status.in_(list(HOLDS_A_PLACE)),
        Placement.starts_on <= ends_on,
        Placement.ends_on >= starts_on,
    )
    if excluding is not None:
        query = query.where(Placement.id != excluding)
    ranges = tenancy.read_across(query)
    taken: dict[date, int] = {}
    day = starts_on
    while day <= ends_on:
        taken[day] = sum(
            1 for start, end, days in ranges if start <= day <= end and weekdays.uses(days, day)
        )
        day += timedelta(days=1)
    return taken


@dataclass(frozen=True)
class DayRoom:
    day: date
    taken: int
    capacity: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


def service_room(service: HostService, starts_on: date, ends_on: date) -> list[DayRoom]:
    """Places taken and free on each day: the capacity calendar."""
    taken = daily_places_taken(service.id, starts_on, ends_on)
    return [DayRoom(day, count, service.capacity) for day, count in taken.items()]


def free_days(service_: HostService, starts_on: date, ends_on: date) -> int:
    """Weekdays in the range on which the service has at least one place free."""
    return sum(
        1 for d in service_room(service_, starts_on, ends_on) if d.free > 0 and d.day.weekday() < 5
    )


# --- The rule, inside the transaction that approves -------------------------------------------


def lock_service(service_id: int) -> HostService:
    """The service's row, locked: approvals for one service happen one at a time."""
    service = db.session.scalar(
        select(HostService).where(HostService.id == service_id).with_for_update()
    )
    if service is None:
        raise RuleError("Select a service", "service")
    return service


def check_room(service: HostService, starts_on: date, ends_on: date, placement: Placement) -> None:
    """Refuse a placement on dates where one of its own weekdays has no place free."""
    taken = daily_places_taken(service.id, starts_on, ends_on, excluding=placement.id)
    full = [
        day
        for day, count in taken.items()
        if count >= service.capacity and weekdays.uses(placement.weekdays, day)
    ]
    if full:
        raise RuleError(
            f"{service.name} has no place free on {len(full)} of those days "
            f"(first: {full[0]:%-d %B %Y}). Propose other dates or decline."
        )


# --- What the pages show -----------------------------------------------------------------------


@dataclass(frozen=True)
class WeekdayRoom:
    """Room on one of a placement's weekdays, over its dates, besides the placement."""

    weekday: int  # 0 Monday … 4 Friday
    days: int  # how many of that weekday the dates hold
    full: int  # of those, how many have no place free
    fewest_free: int  # places free on the busiest of them

    @property
    def name(self) -> str:
        return weekdays.NAMES[self.weekday]


def room_for(placement: Placement) -> list[WeekdayRoom]:
    """What a service lead deciding on ``placement`` needs to see: on each of its
    weekdays, how much room its dates leave with every other placement counted."""
    service = placement.service
    taken = daily_places_taken(
        service.id, placement.starts_on, placement.ends_on, excluding=placement.id
    )
    rooms = []
    for weekday in weekdays.days_of(placement.weekdays):
        counts = [count for day, count in taken.items() if day.weekday() == weekday]
        free = [max(0, service.capacity - count) for count in counts]
        rooms.append(
            WeekdayRoom(weekday, len(counts), sum(1 for f in free if f == 0), min(free, default=0))
        )
    return rooms


@dataclass(frozen=True)
class Catalogue:
    """The services a partner manager may ask for, with the room each has."""

    services: list[HostService]  # those matching the filter
    kinds: list[str]  # every kind of work on offer, for the filter
    room: dict[int, int]  # service id -> weekdays with a place free
    start: date


def service_catalogue(*, borough: str | None, kind: str | None, weeks: int) -> Catalogue:
    """Services in the borough (a Borough name) doing the kind of work (either may be
    empty: any), with their free weekdays in the coming ``weeks``."""
    every = list(
        db.session.scalars(select(HostService).order_by(HostService.borough, HostService.name))
    )
    shown = [
        s for s in every
        if (not borough or s.borough.name == borough) and (not kind or s.kind == kind)
    ]  # fmt: skip
    start = today()
    end = start + timedelta(weeks=weeks)
    return Catalogue(
        services=shown,
        kinds=sorted({s.kind for s in every}),
        room={s.id: free_days(s, start, end) for s in shown},
        start=start,
    )


@dataclass(frozen=True)
class Calendar:
    service: HostService
    weeks: list[list[DayRoom]]  # Monday to Sunday, from this week on


MAX_CALENDAR_WEEKS = 30  # the longest placement (six months) and a little more


def capacity_calendar(service_id: int, weeks: int) -> Calendar:
    """The places taken and free on every day of the coming ``weeks``, or to the end of
    the longest placement holding a place there if that is later; or NotFound."""
    service = db.session.scalar(select(HostService).where(HostService.id == service_id))
    if service is None:
        raise NotFound(service_id)
    start = today() - timedelta(days=today().weekday())
    [last] = tenancy.values_across(
        select(func.max(Placement.ends_on)).where(
            Placement.service_id == service_id, Placement.status.in_(list(HOLDS_A_PLACE))
        )
    )
    if last is not None:
        weeks = min(MAX_CALENDAR_WEEKS, max(weeks, (last - start).days // 7 + 1))
    room = service_room(service, start, start + timedelta(weeks=weeks) - timedelta(days=1))
    return Calendar(service=service, weeks=[room[i * 7 : i * 7 + 7] for i in range(weeks)])
