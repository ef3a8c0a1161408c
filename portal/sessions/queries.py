"""Read-only look-ups the session pages need: who may be chosen, which session a page
shows, and what goes into a calendar feed. Nothing here changes anything; the rules of
booking and changing sessions live in ``portal.sessions.service``.

Every query runs in the caller's tenant scope, so another authority's rows are simply
not found.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.common.routes import absolute_url
from portal.extensions import db
from portal.sessions import service
from portal.sessions.models import Place, PlaceStatus, Session
from portal.sessions.slots import local


def london_days(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The UTC bounds of whole London days, from the start of ``first_day`` to the end
    of ``last_day``."""
    return local(first_day, time.min), local(last_day + timedelta(days=1), time.min)


# --- Which session a page shows --------------------------------------------------------------


def host_session(session_id: int) -> Session | None:
    """A session in the current scope (an authority's in scope, or a host group)."""
    return db.session.scalar(select(Session).where(Session.id == session_id))


def visible_session(session_id: int, *, viewer: User, tenant_id: int) -> Session | None:
    """The session as someone on an authority's pages may see it, or None: the
    authority's own sessions and every group session, and for a participant only their
    own one-to-one sessions."""
    session = host_session(session_id)
    if session is None or session.tenant_id not in (None, tenant_id):
        return None
    if (
        viewer.role == Role.PARTICIPANT
        and not session.is_group
        and all(p.participant_id != viewer.id for p in session.places)
    ):
        return None
    return session


def live_places(session: Session) -> list[Place]:
    """The places in a session that are booked or waiting (not given up)."""
    return [p for p in session.places if p.status != PlaceStatus.CANCELLED]


def places_held(sessions: list[Session], user: User) -> dict[int, Place]:
    """Session id -> the user's live place in it, for the sessions they have one in."""
    return {
        p.session_id: p
        for s in sessions
        for p in s.places
        if p.participant_id == user.id and p.status != PlaceStatus.CANCELLED
    }


# --- Calendar feeds --------------------------------------------------------------------------


def feed_entries(owner: User, tenant_ids: list[int]) -> list[tuple[Session, str]]:
    """Each session in the owner's calendar with the absolute address of its page for
    them, on ``PORTAL_BASE_URL`` (never the address the feed was fetched at).

    Run it in the owner's own scope (``tenant_ids``): host staff see a session on the
    host pages, partner staff on their authority's (a group session: their home one's).
    """
    home = None if owner.is_host else (tenant_ids[0] if tenant_ids else None)

    def where(session: Session) -> int | None:
        return None if owner.is_host else (session.tenant_id or home)

    return [
        (s, absolute_url(service.session_path(s, where(s))))
        for s in service.calendar_sessions(owner)
    ]
