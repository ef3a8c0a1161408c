"""What a reflection can be about: the author's own sessions and placements.

The one place boards read sessions and placements, through their models only (never
their services, so neither feature's rules leak into the other, and sessions never
need to know boards exist).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.boards.models import Reflection
from portal.common.clock import LONDON, as_utc
from portal.errors import RuleError
from portal.extensions import db
from portal.placements.models import Placement
from portal.sessions.models import Place, PlaceStatus, Session


def _has_place():
    return Place.status != PlaceStatus.CANCELLED


def attended(user: User, session_id: int) -> bool:
    """Whether the person has a place (booked or waiting) in the session."""
    found = db.session.scalar(
        select(Place.id).where(
            Place.session_id == session_id, Place.participant_id == user.id, _has_place()
        )
    )
    return found is not None


def about_choices(user: User) -> list[tuple[str, str]]:
    """What a reflection can be linked to: the author's sessions and placements."""
    sessions = db.session.execute(
        select(Session.id, Session.title, Session.starts_at)
        .join(Place, Place.session_id == Session.id)
        .where(Place.participant_id == user.id, _has_place())
        .order_by(Session.starts_at)
    ).all()
    found = [
        (f"session:{id_}", f"{title}, {as_utc(starts_at).astimezone(LONDON):%-d %b %Y}")
        for id_, title, starts_at in sessions
    ]
    placements = db.session.scalars(
        select(Placement)
        .where(Placement.participant_id == user.id)
        .options(selectinload(Placement.service))
    )
    found += [(f"placement:{p.id}", f"Placement: {p.service.name}") for p in placements]
    return found


def link(reflection: Reflection, actor: User, about: str | None) -> None:
    """Link the reflection to one of the author's sessions or placements (or nothing)."""
    reflection.session_id = reflection.placement_id = None
    if not about:
        return
    if about not in dict(about_choices(actor)):
        raise RuleError("Select one of your own sessions or placements", "about")
    kind, _, raw = about.partition(":")
    if kind == "session":
        reflection.session_id = int(raw)
    else:
        reflection.placement_id = int(raw)
