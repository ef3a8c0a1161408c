"""Private calendar feeds: a secret address per person (only its hash is stored)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.service import record
from portal.common.clock import as_utc, utcnow
from portal.extensions import db
from portal.sessions.models import CalendarFeed, PlaceStatus, Session
from portal.sessions.views import attended_by, hosted_by


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
    if user is None or not user.active or _made_before_deactivation(feed, user):
        return None
    feed.last_used_at = utcnow()
    return user


def _made_before_deactivation(feed: CalendarFeed, user: User) -> bool:
    """Deactivation revokes a feed for good: reactivating the person does not revive it."""
    return user.deactivated_at is not None and as_utc(feed.created_at) <= as_utc(
        user.deactivated_at
    )


def calendar_sessions(user: User) -> list[Session]:
    """What a person's calendar shows: sessions they host or have a seat in, from 90 days
    ago (cancelled ones too, so calendar apps remove them)."""
    since = utcnow() - timedelta(days=90)
    hosted = hosted_by(user, since, utcnow() + timedelta(days=800))
    seated = [
        s
        for s in attended_by(user, since)
        if any(p.participant_id == user.id and p.status == PlaceStatus.BOOKED for p in s.places)
    ]
    return sorted({s.id: s for s in hosted + seated}.values(), key=lambda s: s.starts_at)
