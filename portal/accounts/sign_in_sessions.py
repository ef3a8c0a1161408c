"""Sign-in sessions held on the server, so that ending one ends it everywhere.

A sign-in starts a row and gives the browser a secret; only its SHA-256 is stored.
Every request looks the row up: it must be open, younger than the absolute lifetime
and not idle for longer than the idle timeout. Background polls (the notification
count) are answered without moving the idle clock. Signing out, idling, a new
password, deactivation, a new role and an admin's "end sessions" close rows, and a
closed row never opens again, whatever the person's account does later.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Row, Select, select, update

from portal.accounts.models import SignInSession, User
from portal.common.clock import as_utc, utcnow
from portal.extensions import db

# How stale ``last_seen_at`` may get before a request writes it again: a minute of
# idle-clock precision saves a write on almost every request.
TOUCH_EVERY = timedelta(minutes=1)

SIGNED_OUT = "signed_out"
IDLE = "idle"
EXPIRED = "expired"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 - why a session ended, not a secret
DEACTIVATED = "deactivated"
ROLE_CHANGED = "role_changed"
ENDED_BY_ADMIN = "ended_by_admin"
EMAIL_CHANGED = "email_changed"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, *, user_agent: str = "") -> str:
    """Open a session for ``user``; returns the secret for the browser's cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        SignInSession(user_id=user.id, token_hash=_hash(token), user_agent=user_agent[:200])
    )
    return token


class Resumed(NamedTuple):
    user: User | None
    ended: str | None  # IDLE or EXPIRED when the session has just run out
    row: Row | None  # what was loaded with it (``with_row``), for a live session
    ended_for: int | None = None  # whose session it was, when it has just run out


def resume(
    token: str | None,
    *,
    idle: timedelta,
    lifetime: timedelta,
    activity: bool = True,
    with_row: Callable[[Select], Select] = lambda statement: statement,
) -> Resumed:
    """The person whose open session ``token`` is, and why it ended if it just did.

    ``(user, None, row)`` for a live session; ``(None, IDLE or EXPIRED, None, user_id)``
    when it has just run out (and is now closed); ``(None, None, None)`` for anything else.
    ``activity=False`` (a background poll) leaves the idle clock where it was.
    ``with_row`` adds to the statement that finds the session (columns, outer joins),
    so what every request needs with the person comes in the same round trip.
    """
    if not token or len(token) > 100:
        return Resumed(None, None, None)
    found = db.session.execute(
        with_row(
            select(SignInSession, User)
            .join(User, User.id == SignInSession.user_id)
            .where(SignInSession.token_hash == _hash(token), SignInSession.ended_at.is_(None))
        )
    ).first()
    if found is None or not found.User.active:
        return Resumed(None, None, None)
    row, now = found.SignInSession, utcnow()
    for reason, ran_out in (
        (IDLE, now - as_utc(row.last_seen_at) > idle),
        (EXPIRED, now - as_utc(row.created_at) > lifetime),
    ):
        if ran_out:
            _close(SignInSession.id == row.id, reason)
            return Resumed(None, reason, None, row.user_id)
    if activity and now - as_utc(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
    return Resumed(found.User, None, found)


def seconds_left(last_seen_at, idle: timedelta) -> int:
    """How long a session last active at ``last_seen_at`` has before it idles out."""
    return max(0, int((as_utc(last_seen_at) + idle - utcnow()).total_seconds()))


def stay(row: SignInSession) -> None:
    """The person said "Stay signed in": their idle clock starts again now."""
    row.last_seen_at = utcnow()


def end(token: str | None, reason: str = SIGNED_OUT) -> None:
    """Close the session ``token`` belongs to."""
    if token:
        _close(SignInSession.token_hash == _hash(token), reason)


def end_all(user: User, reason: str) -> int:
    """Close every open session of ``user``; returns how many there were."""
    return _close(SignInSession.user_id == user.id, reason)


def open_sessions(user: User) -> list[SignInSession]:
    """The sessions ``user`` could still carry on with, most recently used first."""
    config, now = current_app.config, utcnow()
    return list(
        db.session.scalars(
            select(SignInSession)
            .where(
                SignInSession.user_id == user.id,
                SignInSession.ended_at.is_(None),
                SignInSession.last_seen_at > now - config["IDLE_TIMEOUT"],
                SignInSession.created_at > now - config["PERMANENT_SESSION_LIFETIME"],
            )
            .order_by(SignInSession.last_seen_at.desc())
        )
    )


def _close(which, reason: str) -> int:
    result = db.session.execute(
        update(SignInSession)
        .where(which, SignInSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
