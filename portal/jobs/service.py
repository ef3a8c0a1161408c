"""Promising follow-up work: write it to the outbox in the caller's transaction.

Nothing here talks to Redis. The relay (``portal.jobs.relay``) moves due rows
to RQ after they commit; if Redis is down they wait, and nothing is lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from portal.common.clock import utcnow
from portal.extensions import db
from portal.jobs.models import OutboxMessage, OutboxStatus
from portal.jobs.registry import spec

OPEN = (OutboxStatus.PENDING, OutboxStatus.RELAYED)


def _about(topic: str):
    """Rows about ``topic`` or anything under it: ``session:5:reminders`` covers
    ``session:5:reminders:12`` (one person's reminder) but not ``session:55:...``."""
    return or_(
        OutboxMessage.topic == topic,
        OutboxMessage.topic.startswith(f"{topic}:", autoescape=True),
    )


def enqueue(
    job: str,
    *,
    tenant_id: int | None,
    run_at: datetime | None = None,
    topic: str | None = None,
    **payload,
) -> OutboxMessage:
    """Add work for ``job`` (ids in ``payload``) to the outbox; it commits with the caller."""
    job_spec = spec(job)
    message = OutboxMessage(
        job=job,
        queue=job_spec.queue,
        payload=payload,
        tenant_id=tenant_id,
        run_at=run_at or utcnow(),
        topic=topic,
    )
    db.session.add(message)
    return message


def cancel_topic(topic: str) -> int:
    """Cancel every unfinished piece of work about ``topic`` (e.g. a session's reminders),
    including sub-topics.

    A relayed job reads its row before acting, so it will do nothing.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(_about(topic), OutboxMessage.status.in_(OPEN))
        .values(status=OutboxStatus.CANCELLED, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def move_topic(topic: str, run_at: datetime) -> int:
    """Move unfinished work about ``topic`` to ``run_at``; it is relayed again for then.

    A copy already in a queue for the old time finds its row moved and does nothing.
    """
    rows = db.session.scalars(
        select(OutboxMessage).where(_about(topic), OutboxMessage.status.in_(OPEN))
    ).all()
    for row in rows:
        row.run_at = run_at
        row.status = OutboxStatus.PENDING
    return len(rows)
