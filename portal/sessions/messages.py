"""Telling people about sessions, and the day-before reminders.

A group session's seat holders belong to several authorities; each is told in
their own authority's scope (``tenancy.writing_as``), so their notification and
email are their authority's rows and nothing of theirs enters the caller's scope.

Reminders are outbox rows with the topic ``session:<id>:reminders:<user id>``;
cancelling or moving a session cancels or moves ``session:<id>:reminders`` and
everything under it, whichever authority each row belongs to. The reminder job
re-reads the session, so a reminder for a cancelled session, or a seat given up,
is never sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select

from portal import tenancy
from portal.accounts.models import User
from portal.audit.service import record
from portal.common.clock import LONDON, as_utc, utcnow
from portal.common.routes import absolute_url
from portal.extensions import db
from portal.jobs.service import cancel_topic_everywhere, enqueue, move_topic_everywhere
from portal.mail.service import queue_mail
from portal.notifications.service import notify
from portal.sessions.diary import audience
from portal.sessions.models import BUSY, Place, PlaceStatus, Session
from portal.tenants.models import Tenant

REMINDER_BEFORE = timedelta(days=1)

Person = tuple[User | None, int | None]  # a person and their authority (None: host staff)


def when(session: Session) -> str:
    """The session's time as a person in England reads it."""
    start = as_utc(session.starts_at).astimezone(LONDON)
    end = as_utc(session.ends_at).astimezone(LONDON)
    same_day = start.date() == end.date()
    finish = f"{end:%H:%M}" if same_day else f"{end:%A %-d %B %Y}, {end:%H:%M}"
    return f"{start:%A %-d %B %Y}, {start:%H:%M} to {finish}"


def session_path(session: Session, tenant_id: int | None) -> str:
    """Where a person of ``tenant_id`` (None: host staff) sees the session."""
    if tenant_id is None:
        return f"/host/sessions/{session.id}"
    slug = db.session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))
    return f"/{slug}/sessions/{session.id}"


def reflection_path(session: Session, tenant_id: int) -> str:
    """Where a participant writes a reflection on a session (the learning boards take
    it from here: the session page's reflection section links on to the board)."""
    return f"{session_path(session, tenant_id)}#reflect"


def tell(
    people: Iterable[Person],
    session: Session,
    text: str,
    *,
    subject: str | None = None,
    calendar: bool = False,
) -> None:
    """Tell each (person, their authority) in the portal and by email, each in their own
    authority's scope; with ``calendar``, the email carries the session as an iCalendar
    file (a cancellation for a cancelled session), so calendar apps update."""
    by_tenant: dict[int | None, list[User]] = {}
    seen = set()
    for user, tenant_id in people:
        if user is None or not user.active or user.id in seen:
            continue
        seen.add(user.id)
        by_tenant.setdefault(tenant_id, []).append(user)
    scope = tenancy.current_scope() or frozenset()
    for tenant_id, users in by_tenant.items():
        if tenant_id is None or tenant_id in scope:
            _tell_each(users, tenant_id, session, text, subject, calendar)
        else:
            with tenancy.writing_as(tenant_id):
                _tell_each(users, tenant_id, session, text, subject, calendar)


def _tell_each(users, tenant_id, session, text, subject, calendar) -> None:
    from portal.sessions import ical

    path = session_path(session, tenant_id)
    link = absolute_url(path)
    attachment = ical.session_file(session, link=link) if calendar else None
    for user in users:
        notify(user_id=user.id, text=text, link=path, tenant_id=tenant_id)
        queue_mail(
            to=user.email,
            subject=subject or f"{session.kind.label}: {when(session)}",
            body=f"Hello {user.name},\n\n{text}\n\nSee the session: {link}\n",
            kind="session",
            tenant_id=tenant_id,
            calendar=attachment,
        )


def everyone(session: Session, *, waiting: bool = False) -> list[Person]:
    """The host and every participant of a session, whichever authority they are in."""
    wanted = (PlaceStatus.BOOKED, PlaceStatus.WAITING) if waiting else (PlaceStatus.BOOKED,)
    seats = audience(session, wanted)
    users = {u.id: u for u in _users([user_id for user_id, _ in seats])}
    host_tenant = None if session.is_group else session.tenant_id
    return [(session.host, host_tenant)] + [(users.get(uid), tid) for uid, tid in seats]


def _users(ids: list[int]) -> list[User]:
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids))))


def audit(action: str, session: Session, actor: User, summary: str, **details) -> None:
    record(
        f"session.{action}",
        obj=session,
        actor=actor,
        tenant_id=session.tenant_id,
        summary=summary,
        details=details or None,
    )


# --- Reminders -------------------------------------------------------------------------------


def reminder_topic(session_id: int, user_id: int | None = None) -> str:
    topic = f"session:{session_id}:reminders"
    return topic if user_id is None else f"{topic}:{user_id}"


def cancel_reminders(session: Session, user_id: int | None = None) -> None:
    """Cancel the session's reminders (one person's, or everyone's in every authority)."""
    cancel_topic_everywhere(reminder_topic(session.id, user_id))


def move_reminders(session: Session) -> None:
    run_at = as_utc(session.starts_at) - REMINDER_BEFORE
    if run_at > utcnow():
        move_topic_everywhere(reminder_topic(session.id), run_at)
    else:
        cancel_reminders(session)


def queue_reminder(session: Session, user_id: int, tenant_id: int | None) -> None:
    run_at = as_utc(session.starts_at) - REMINDER_BEFORE
    if run_at <= utcnow():
        return  # booked within a day: the booking message is the reminder
    enqueue(
        "sessions.reminder",
        tenant_id=tenant_id,
        run_at=run_at,
        topic=reminder_topic(session.id, user_id),
        session_id=session.id,
        user_id=user_id,
    )


def send_reminder(session_id: int, user_id: int) -> bool:
    """The day-before reminder; re-reads everything, so a cancelled session, a seat given
    up or a session moved further off sends nothing. Returns whether it was sent."""
    session = db.session.scalar(select(Session).where(Session.id == session_id))
    if session is None or session.status not in BUSY:
        return False
    start, now = as_utc(session.starts_at), utcnow()
    if not now < start <= now + REMINDER_BEFORE + timedelta(hours=1):
        return False
    if user_id == session.host_id:
        tenant_id = None if session.is_group else session.tenant_id
    else:
        tenant_id = db.session.scalar(
            select(Place.tenant_id).where(
                Place.session_id == session.id,
                Place.participant_id == user_id,
                Place.status == PlaceStatus.BOOKED,
            )
        )
        if tenant_id is None:
            return False
    tell(
        [(db.session.get(User, user_id), tenant_id)],
        session,
        f"Reminder: {session.title}, {when(session)}, {session.location}.",
        subject=f"Tomorrow: {session.kind.label.lower()}, {start.astimezone(LONDON):%H:%M}",
    )
    return True
