"""The weekly digest: on Monday mornings, each person's new reflections they may read.

People and their preferences are not tenant-owned; each digest is built in its reader's
own scope, so it holds exactly what that person could read on the boards.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal import tenancy
from portal.accounts.models import User
from portal.boards.markdown import excerpt, plain_text
from portal.boards.models import DigestPreference, Reflection, ReflectionStatus
from portal.boards.people import home_of, reach
from portal.boards.telling import reflections_page
from portal.boards.visibility import visible_to
from portal.common.clock import LONDON, as_utc, utcnow
from portal.extensions import db
from portal.mail.service import queue_mail

DIGEST_TOPIC = "boards:weekly-digest"
SENT_AT = time(8)  # Mondays, London time


def wants_digest(user_id: int) -> bool:
    preference = db.session.get(DigestPreference, user_id)
    return preference is None or preference.weekly


def set_digest(user: User, weekly: bool) -> None:
    preference = db.session.get(DigestPreference, user.id)
    if preference is None:
        preference = DigestPreference(user_id=user.id)
        db.session.add(preference)
    preference.weekly = weekly


def digest_for(user: User, since: datetime) -> list[Reflection]:
    """New reflections (not their own) shared since ``since`` that the user may see."""
    return list(
        db.session.scalars(
            select(Reflection)
            .where(
                visible_to(user),
                Reflection.status == ReflectionStatus.PUBLISHED,
                Reflection.author_id != user.id,
                Reflection.published_at >= since,
            )
            .options(selectinload(Reflection.tenant), selectinload(Reflection.board))
            .order_by(Reflection.published_at.desc())
            .limit(30)
        )
    )


def _queue(user: User, items: list[Reflection], home: int | None) -> None:
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    page = base + reflections_page(home)
    lines = [
        f"- {r.title} ({r.tenant.name}, {r.board.title})\n  "
        f"{excerpt(plain_text(r.body), 160)}\n  {page}/{r.id}"
        for r in items
    ]
    plural = "s" if len(items) != 1 else ""
    queue_mail(
        to=user.email,
        subject=f"This week on the learning boards: {len(items)} new reflection{plural}",
        body=f"Hello {user.name},\n\nNew reflections you can read:\n\n"
        + "\n\n".join(lines)
        + f"\n\nTo stop these emails: {base}/boards/digest\n",
        kind="digest",
        tenant_id=home,
    )


def send_digest(user_id: int) -> int:
    """Build and queue one person's digest in their own scope; returns how many items."""
    user = db.session.get(User, user_id)  # people are not tenant-owned: no scope needed
    if user is None or not user.active or not wants_digest(user_id):
        return 0
    tenant_ids = reach(user)
    preference = db.session.get(DigestPreference, user_id)
    last = preference.last_sent_at if preference else None
    since = as_utc(last) if last else utcnow() - timedelta(days=7)
    with tenancy.scoped(tenant_ids):
        items = digest_for(user, since)
        if items:
            _queue(user, items, home_of(user, tenant_ids))
        set_digest(user, True)
        db.session.get(DigestPreference, user.id).last_sent_at = utcnow()
        db.session.flush()
    return len(items)


def next_digest_time(now: datetime | None = None) -> datetime:
    """Monday 8am London, the next one after ``now``."""
    now = now or utcnow()
    day = now.astimezone(LONDON).date()
    day += timedelta(days=(7 - day.weekday()) % 7)
    when = datetime.combine(day, SENT_AT, tzinfo=LONDON).astimezone(UTC)
    if when > now:
        return when
    return datetime.combine(day + timedelta(days=7), SENT_AT, tzinfo=LONDON).astimezone(UTC)


def schedule_weekly_digest() -> bool:
    """Make sure the next weekly run is in the outbox (once); True if one was added."""
    from portal.jobs.models import OutboxMessage, OutboxStatus
    from portal.jobs.service import enqueue

    waiting = tenancy.values_across(  # the host's own work, wherever the caller's scope is
        select(OutboxMessage.id).where(
            OutboxMessage.topic == DIGEST_TOPIC,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.RELAYED]),
        )
    )
    if waiting:
        return False
    enqueue("boards.weekly_digest", tenant_id=None, run_at=next_digest_time(), topic=DIGEST_TOPIC)
    db.session.flush()
    return True


def fan_out_digests() -> int:
    """The weekly run: one digest job per active person, then the next week's run."""
    from portal.jobs.service import enqueue

    # One query for everyone who has not opted out (no preference row means yes).
    ids = db.session.scalars(
        select(User.id)
        .outerjoin(DigestPreference, DigestPreference.user_id == User.id)
        .where(User.active, or_(DigestPreference.weekly.is_(None), DigestPreference.weekly))
        .order_by(User.id)
    ).all()
    for user_id in ids:
        enqueue("boards.digest", tenant_id=None, user_id=user_id)
    enqueue(
        "boards.weekly_digest",
        tenant_id=None,
        run_at=next_digest_time(utcnow() + timedelta(hours=1)),
        topic=DIGEST_TOPIC,
    )
    db.session.flush()
    return len(ids)
