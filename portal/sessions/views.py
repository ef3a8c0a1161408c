"""The sessions people see: what they host, what they have a seat in, what their
authority has on, the group sessions open for booking."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.common.clock import utcnow
from portal.common.paging import first_few
from portal.extensions import db
from portal.sessions.models import BUSY, Place, PlaceStatus, Session, SessionStatus
from portal.tenants.models import Tenant


def _loaded(query):
    return query.options(
        joinedload(Session.host),
        joinedload(Session.tenant),
        selectinload(Session.places).joinedload(Place.participant),
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


def awaiting_confirmation(user: User, most: int) -> tuple[int, list[Session]]:
    """Bookings of the user's time they have not confirmed yet, whenever they are: how
    many, and the soonest few, in one statement."""
    coming = _loaded(select(Session)).where(
        Session.host_id == user.id,
        Session.status == SessionStatus.PROPOSED,
        Session.starts_at > utcnow(),
    )
    return first_few(coming.order_by(Session.starts_at, Session.id), most)


def attended_by(
    user: User,
    first: datetime | None = None,
    last: datetime | None = None,
    *,
    limit: int | None = None,
    loaded: bool | str = True,
) -> list[Session]:
    """Sessions the participant has a place in (booked or waiting). ``loaded=False``
    for a list or calendar that shows the session alone (not its host or places)."""
    query = (
        select(Session)
        .join(Place, Place.session_id == Session.id)
        .where(Place.participant_id == user.id, Place.status != PlaceStatus.CANCELLED)
    )
    if first is not None:
        query = query.where(Session.ends_at > first)
    if last is not None:
        query = query.where(Session.starts_at < last)
    return _listed(query.order_by(Session.starts_at), limit=limit, loaded=loaded)


# What a month's calendar (and a day's list) shows of a session: rows of these, not
# whole sessions.
CALENDAR = (
    Session.id, Session.starts_at, Session.kind, Session.status, Session.title,
    Session.location,
)  # fmt: skip


def _listed(query, *, limit: int | None, loaded: bool | str) -> list:
    """The sessions, with host and places (``loaded=True``), alone (False), or as rows
    of :data:`CALENDAR` (``"calendar"``: hundreds a month cost little that way)."""
    if limit is not None:
        query = query.limit(limit)
    if loaded == "calendar":
        return list(db.session.execute(query.with_only_columns(*CALENDAR)).all())
    if loaded:
        query = _loaded(query)
    return list(db.session.scalars(query))


def authority_sessions(
    tenant: Tenant,
    first: datetime,
    last: datetime,
    *,
    limit: int | None = None,
    loaded: bool | str = True,
) -> list[Session]:
    """The authority's one-to-one sessions, and group sessions its people have places in."""
    has_place = select(Place.id).where(
        Place.session_id == Session.id,
        Place.tenant_id == tenant.id,
        Place.status != PlaceStatus.CANCELLED,
    )
    query = (
        select(Session)
        .where(
            or_(Session.tenant_id == tenant.id, has_place.exists()),
            Session.starts_at < last,
            Session.ends_at > first,
        )
        .order_by(Session.starts_at)
    )
    return _listed(query, limit=limit, loaded=loaded)


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
