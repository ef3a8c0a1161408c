"""Booking every coming session of a series in one go: a seminar programme, a monthly
supervision group. Each session is booked as a single one would be (a seat, or the
waiting list when there is no seat for the authority); one that cannot be booked (a
clash in the person's diary, a seat already held) is passed over and said, and the
person is told once, not once a session.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from portal.accounts.models import User
from portal.common.clock import utcnow
from portal.common.text import plural
from portal.errors import RuleError
from portal.extensions import db
from portal.sessions.groups import booking_for, group_session, take_seat
from portal.sessions.messages import tell, when
from portal.sessions.models import BUSY, PlaceStatus, Session
from portal.tenants.models import Tenant


@dataclass
class SeriesBooking:
    booked: list[Session] = field(default_factory=list)
    waiting: list[Session] = field(default_factory=list)
    passed_over: list[tuple[Session, str]] = field(default_factory=list)

    def summary(self, name: str) -> str:
        """ "2 seats booked for you; on the waiting list for 1 session." """
        parts = []
        if self.booked:
            parts.append(f"{plural(len(self.booked), 'seat')} booked for {name}")
        if self.waiting:
            parts.append(f"on the waiting list for {plural(len(self.waiting), 'session')}")
        if self.passed_over:
            parts.append(f"{plural(len(self.passed_over), 'session')} not booked")
        return "; ".join(parts) + "."


def _coming(session: Session) -> Select:
    return select(Session).where(
        Session.series_id == session.series_id,
        Session.starts_at > utcnow(),
        Session.status.in_(list(BUSY)),
    )


def coming_in_series(session: Session, *, lock: bool = False) -> list[Session]:
    """The sessions of ``session``'s series still to come and open to booking, soonest
    first; ``lock``: locked in that order, in the one statement (a booking of each
    happens one at a time, as a single booking locks its session)."""
    if session.series_id is None:
        return [session]
    statement = _coming(session).order_by(Session.starts_at)
    return list(db.session.scalars(statement.with_for_update() if lock else statement))


def coming_count(session: Session) -> int:
    """How many sessions of ``session``'s series are still to come (0 if not a series)."""
    if session.series_id is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(_coming(session).subquery()))


def book_series(
    *, actor: User, tenant: Tenant, session_id: int, participant_id: int | None
) -> SeriesBooking:
    participant = booking_for(actor, tenant, participant_id)
    result = SeriesBooking()
    for locked in coming_in_series(group_session(session_id), lock=True):
        try:  # take_seat refuses before it writes anything
            place = take_seat(actor, tenant, locked, participant)
        except RuleError as refusal:
            result.passed_over.append((locked, refusal.message))
            continue
        (result.booked if place.status == PlaceStatus.BOOKED else result.waiting).append(locked)
    if not result.booked and not result.waiting:
        raise RuleError(
            f"No session of this series could be booked for {participant.name}: "
            + "; ".join(f"{when(s)}: {why}" for s, why in result.passed_over)
        )
    first = (result.booked or result.waiting)[0]
    tell(
        [(participant, tenant.id), (actor, tenant.id)],
        first,
        f"{first.title}: {result.summary(participant.name)} "
        + " ".join(f"{when(s)}: {why}." for s, why in result.passed_over),
    )
    return result
