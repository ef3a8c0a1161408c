"""Changing a session once it is booked: confirm, cancel, move, record attendance.

Whoever changes a session, everyone in it is told, in every authority, and the
reminders queued for it are cancelled or moved with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import Role, User
from portal.common.clock import as_utc, london_date, utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.notifications.service import notify
from portal.sessions.diary import (
    busy_as_participant,
    get_session,
    in_periods,
    lock_people,
    placement_periods,
    require_open,
    settings_for,
)
from portal.sessions.groups import check_group_time
from portal.sessions.messages import (
    audit,
    cancel_reminders,
    everyone,
    move_reminders,
    reflection_path,
    tell,
    when,
)
from portal.sessions.models import BUSY, Attendance, Place, PlaceStatus, Session, SessionStatus
from portal.sessions.visits import refusal

S = SessionStatus


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


def can_record_attendance(actor: User, session: Session) -> bool:
    """Who may record who came: the host and the centre admin (audited like anyone), and
    for group sessions any facilitator; never another host's joint visit or consultation."""
    if actor.role == Role.CENTRE_ADMIN or actor.id == session.host_id:
        return True
    return session.is_group and actor.role == Role.FACILITATOR


def _with_booker(session: Session, people: list) -> list:
    """One-to-one sessions also tell whoever booked them (a manager, say)."""
    return people if session.is_group else people + [(session.created_by, session.tenant_id)]


def confirm_session(session_id: int, *, actor: User) -> Session:
    session = get_session(session_id, lock=True)
    if actor.id != session.host_id and actor.role != Role.CENTRE_ADMIN:
        raise RuleError("Only the host can confirm this session")
    if session.status != S.PROPOSED:
        raise RuleError(f"This session is already {session.status.label.lower()}")
    require_open(session, "confirm")
    session.status = S.CONFIRMED
    session.sequence += 1
    audit("confirmed", session, actor, session.title)
    tell(
        _with_booker(session, everyone(session)[1:]),
        session,
        f"{session.host.name} confirmed the {session.kind.label.lower()}: {when(session)}.",
        calendar=True,
    )
    return session


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Enter a reason for cancelling", "reason")
    if len(reason) > 500:
        raise RuleError("The reason must be 500 characters or fewer", "reason")
    return reason


def cancel_session(session_id: int, *, actor: User, reason: str) -> Session:
    """Cancel with a reason: everyone is told (seat holders and the waiting list in every
    authority), every reminder is cancelled."""
    session = get_session(session_id, lock=True)
    if not can_change(actor, session):
        raise RuleError("You cannot cancel this session")
    require_open(session, "cancel")
    _cancel(session, actor, _reason(reason))
    return session


def _cancel(session: Session, actor: User, reason: str) -> None:
    session.status = S.CANCELLED
    session.sequence += 1
    session.change_reason = reason
    cancel_reminders(session)
    audit("cancelled", session, actor, session.title, reason=reason)
    by = "" if session.is_group else f" by {actor.name}"
    tell(
        _with_booker(session, everyone(session, waiting=True)),
        session,
        f"Cancelled{by}: {session.title}, {when(session)}. Reason: {reason}",
        calendar=True,
    )


def cancel_outside_placements(participant_id: int, *, actor: User, reason: str) -> int:
    """A placement ended: cancel the participant's coming one-to-one sessions on days no
    placement of theirs covers any more (a joint visit needs one), telling everyone as a
    cancellation does. Returns how many were cancelled."""
    covered = in_periods(placement_periods(participant_id))
    coming = db.session.scalars(
        select(Session)
        .join(Place, Place.session_id == Session.id)
        .where(
            Place.participant_id == participant_id,
            Session.tenant_id.is_not(None),  # one-to-one: a group needs no placement
            Session.status.in_(BUSY),
            Session.starts_at > utcnow(),
        )
        .order_by(Session.starts_at)
        .with_for_update(of=Session)
    ).all()
    ended = [s for s in coming if not covered(london_date(as_utc(s.starts_at)))]
    for session in ended:
        _cancel(session, actor, reason)
    return len(ended)


def _check_new_time(session: Session, starts_at: datetime, ends_at: datetime) -> None:
    """Everyone booked is free at the new time (their rows locked first)."""
    people = [user for user, _ in everyone(session)[1:] if user is not None]
    lock_people([session.host_id, *(p.id for p in people)])
    if session.is_group:
        check_group_time(session.kind, starts_at, ends_at, host=session.host, excluding=session.id)
        clashes = [
            p for p in people if busy_as_participant(p.id, starts_at, ends_at, excluding=session.id)
        ]
        if clashes:
            raise RuleError(
                f"{len(clashes)} of the people booked have another session then", "starts_at"
            )
        return
    reason = refusal(
        session.host, people[0] if people else None, starts_at, ends_at, excluding=session.id
    )
    if reason:
        raise RuleError(reason, "starts_at")


def reschedule_session(
    session_id: int, *, actor: User, starts_at: datetime | None, reason: str = ""
) -> Session:
    """Move a session: everyone's freedom is checked at the new time, reminders move."""
    session = get_session(session_id, lock=True)
    if not can_change(actor, session):
        raise RuleError("You cannot move this session")
    require_open(session, "move")
    if starts_at is None:
        raise RuleError("Select a new time", "starts_at")
    starts_at = as_utc(starts_at)
    if starts_at == as_utc(session.starts_at):
        raise RuleError("Choose a time different from the current one", "starts_at")
    ends_at = starts_at + (as_utc(session.ends_at) - as_utc(session.starts_at))
    _check_new_time(session, starts_at, ends_at)
    before = when(session)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.sequence += 1
    session.change_reason = (reason or "").strip()[:500] or None
    host_confirms = settings_for(session.host_id).confirm_bookings
    if not session.is_group and actor.id != session.host_id and host_confirms:
        session.status = S.PROPOSED
    move_reminders(session)
    audit("rescheduled", session, actor, session.title, before=before, after=when(session))
    text = f"Moved by {actor.name}: {session.title} is now {when(session)} (was {before})."
    if session.change_reason:
        text += f" Reason: {session.change_reason}"
    tell(_with_booker(session, everyone(session)), session, text, calendar=True)
    return session


def record_attendance(session_id: int, *, actor: User, marks: dict[int, Attendance]) -> Session:
    """After a session the host records who came; one-to-one participants who came are
    invited to write a reflection about it."""
    session = get_session(session_id, lock=True)
    if not can_record_attendance(actor, session):
        raise RuleError("Only the host can record attendance")
    if session.status in (S.CANCELLED, S.PROPOSED):
        raise RuleError(
            f"You cannot record attendance for a session that is {session.status.label.lower()}"
        )
    if as_utc(session.starts_at) > utcnow():
        raise RuleError("You can record attendance once the session has started")
    booked = {p.id: p for p in session.places if p.status == PlaceStatus.BOOKED}
    if not marks or set(marks) - set(booked):
        raise RuleError("Record attendance for the people booked")
    first_time = session.status == S.CONFIRMED
    for place_id, mark in marks.items():
        booked[place_id].attendance = mark
    came = any(p.attendance == Attendance.ATTENDED for p in booked.values())
    session.status = S.COMPLETED if session.is_group or came else S.NO_SHOW
    audit("attendance", session, actor, session.title,
          marks={str(k): v.value for k, v in marks.items()})  # fmt: skip
    if first_time and not session.is_group:
        _invite_reflections(session, booked.values())
    return session


def _invite_reflections(session: Session, places) -> None:
    for place in places:
        if place.attendance == Attendance.ATTENDED:
            notify(
                user_id=place.participant_id,
                text=f"How did the {session.kind.label.lower()} with {session.host.name} "
                "go? Write a reflection about it.",
                link=reflection_path(session, place.tenant_id),
                tenant_id=place.tenant_id,
            )
