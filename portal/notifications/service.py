"""Notifying people inside the portal; written in the caller's transaction."""

from __future__ import annotations

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import Select, func, select, update

from portal.common.clock import utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.security import safe_next


def acting_user_id() -> int | None:
    """Whoever's request this is (None in a job or the CLI): they are not told of what
    they did themselves; the page they are on already says so."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def notify(
    *, user_id: int, text: str, link: str | None, tenant_id: int | None
) -> Notification | None:
    """Tell ``user_id`` something; ``link`` must be a path on this site. Nothing for the
    person whose request it is (:func:`acting_user_id`)."""
    if link is not None and safe_next(link, "") != link:
        raise RuleError("A notification can only link to a page in the portal")
    if user_id == acting_user_id():
        return None
    notification = Notification(user_id=user_id, text=text[:300], link=link, tenant_id=tenant_id)
    db.session.add(notification)
    return notification


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def notifications_for(user_id: int) -> Select:
    """Someone's notifications, unread first, newest first (a select, for pagination)."""
    return (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc())
    )


def mark_read(user_id: int, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications read; None if it is not theirs."""
    notification = db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    )
    if notification is not None and notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(user_id: int) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
