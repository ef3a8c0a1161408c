"""Joint visits and case consultations: finding a time, and booking one.

Nobody is double-booked: a booking locks the rows of everyone it involves (in id
order), re-checks their freedom with the same rules the slot finder uses, then
inserts, all in one transaction. Two people booking the same slot at the same
moment queue on the lock; the second sees the first's session and is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Membership, Role, User
from portal.accounts.service import active_participant
from portal.common.clock import LONDON, as_utc, london_date, utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.host.models import HostService
from portal.sessions import slots
from portal.sessions.diary import (
    HOSTS_OF_VISITS,
    NOTICE,
    diary,
    in_periods,
    lock_people,
    placement_periods,
    settings_for,
    visit_days,
    week_of,
)
from portal.sessions.diary import host_rules as rules_of
from portal.sessions.messages import audit, queue_reminder, tell, when
from portal.sessions.models import ONE_TO_ONE_KINDS, Place, Session, SessionKind, SessionStatus
from portal.tenants.models import Tenant

LENGTHS = (60, 90, 120, 180)  # minutes offered for visits and consultations
ONLINE = "Online"


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
            rules=rules_of(host.id),
            diary=diary(host.id, participant_id, first_day, last_day, excluding),
            first_day=first_day,
            last_day=last_day,
            length=length,
            allowed_day=in_periods(periods),
            not_before=utcnow() + NOTICE,
        )
        for start in found:
            by_start.setdefault(start, []).append(host)
    return [Slot(start, start + length, tuple(by_start[start])) for start in sorted(by_start)]


def refusal(
    host: User,
    participant: User | None,
    starts_at: datetime,
    ends_at: datetime,
    *,
    excluding: int | None = None,
) -> str | None:
    """Why the host and participant cannot meet then, in words, or None if they can."""
    day = london_date(starts_at)
    allowed = in_periods(placement_periods(participant.id)) if participant else None
    reason = slots.why_not(
        starts_at,
        ends_at - starts_at,
        rules=rules_of(host.id),
        diary=diary(host.id, participant.id if participant else None, day, day, excluding),
        allowed_day=allowed,
        not_before=utcnow() + NOTICE,
    )
    if reason is None:
        return None
    return reason.format(host=host.name, participant=participant.name if participant else "")


# --- Checking what was asked for -------------------------------------------------------------


def offices() -> list[str]:
    """Where sessions may happen: a host office, or online. Never a family's address."""
    found = db.session.scalars(select(HostService.office).distinct().order_by(HostService.office))
    return [ONLINE, *[office for office in found if office]]


def participant_of(tenant: Tenant, participant_id: int | None) -> User:
    """An active participant of the authority, or a refusal naming the field."""
    participant = active_participant(tenant.id, participant_id)
    if participant is None:
        raise RuleError("Select a participant from your authority", "participant")
    return participant


def can_book_for(actor: User, participant_id: int) -> bool:
    return actor.role == Role.PARTNER_MANAGER or actor.id == participant_id


def check_length(minutes: int | None) -> timedelta:
    if minutes not in LENGTHS:
        raise RuleError("Select how long the session is", "length")
    return timedelta(minutes=minutes)


def check_location(location: str | None) -> str:
    if location not in offices():
        raise RuleError("Select where the session is: a host office or online", "location")
    return location


def check_agenda(agenda: str | None) -> str:
    agenda = (agenda or "").strip()
    if len(agenda) > 1000:
        raise RuleError("What you want to cover must be 1,000 characters or fewer", "agenda")
    return agenda


# --- Booking ---------------------------------------------------------------------------------


def _check_booker(actor: User, tenant: Tenant, participant_id: int | None) -> User:
    """The participant a visit is booked for, if ``actor`` may book it for them."""
    if actor.role not in (Role.PARTNER_MANAGER, Role.PARTICIPANT):
        raise RuleError("Only partner staff book joint visits and consultations")
    participant = participant_of(tenant, participant_id)
    if not can_book_for(actor, participant.id):
        raise RuleError("You can only book sessions for yourself", "participant")
    return participant


def _hosts_asked_for(tenant: Tenant, host_id: int | None, service_id: int | None) -> list[User]:
    """The host asked for, or everyone in the service ("anyone in this service")."""
    hosts = visit_hosts(tenant, service_id=service_id)
    if host_id is not None:
        hosts = [h for h in hosts if h.id == host_id]
    if not hosts:
        raise RuleError("Select a host practitioner who works with your authority", "host")
    return hosts


def _first_free_host(hosts: list[User], participant: User, starts_at, ends_at) -> User:
    """The host to book: the one free host, or of several ("anyone in this service") the
    free one with the fewest visits that week. Caller holds the locks."""
    load = {}
    if len(hosts) > 1:
        week = week_of(london_date(starts_at))
        load = {h.id: len(visit_days(h.id, *week)) for h in hosts}
    refusals = []
    for host in sorted(hosts, key=lambda h: (load.get(h.id, 0), h.name)):
        reason = refusal(host, participant, starts_at, ends_at)
        if reason is None:
            return host
        refusals.append(reason)
    raise RuleError(
        refusals[0]
        if len(hosts) == 1
        else "Nobody in that service is free then any more. Choose another time.",
        "starts_at",
    )


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
    participant = _check_booker(actor, tenant, participant_id)
    if kind not in ONE_TO_ONE_KINDS:
        raise RuleError("Select a joint visit or a case consultation", "kind")
    if starts_at is None:
        raise RuleError("Select a time", "starts_at")
    starts_at = as_utc(starts_at)
    ends_at = starts_at + check_length(length_minutes)
    location, agenda = check_location(location), check_agenda(agenda)
    hosts = _hosts_asked_for(tenant, host_id, service_id)
    lock_people([participant.id, *(h.id for h in hosts)])
    host = _first_free_host(hosts, participant, starts_at, ends_at)
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
        status=SessionStatus.PROPOSED if confirm else SessionStatus.CONFIRMED,
        seats=1,
        created_by_id=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    db.session.add(
        Place(tenant_id=tenant.id, session=session, participant_id=participant.id,
              booked_by_id=actor.id)
    )  # fmt: skip
    db.session.flush()
    _announce_booking(session, actor, tenant, host, participant, confirm)
    return session


def _announce_booking(session, actor, tenant, host, participant, confirm: bool) -> None:
    queue_reminder(session, host.id, tenant.id)
    queue_reminder(session, participant.id, tenant.id)
    audit("booked", session, actor, f"{session.title}, {when(session)}")
    kind = session.kind
    ask = " Please confirm or decline it." if confirm else ""
    tell(
        [(host, tenant.id)],
        session,
        f"{participant.name} ({tenant.name}) booked a {kind.label.lower()} with you: "
        f"{when(session)}, {session.location}.{ask}",
        calendar=True,
    )
    state = "waiting for the host to confirm" if confirm else "confirmed"
    tell(
        [(participant, tenant.id), (actor, tenant.id)],
        session,
        f"{kind.label} with {host.name}, {when(session)}, {session.location}: {state}.",
        calendar=True,
    )
