"""Promising follow-up work: write it to the outbox in the caller's transaction.

Nothing here talks to Redis. The relay (``portal.jobs.relay``) moves due rows
to RQ after they commit; if Redis is down they wait, and nothing is lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from portal import tenancy
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


def _owners(topic: str) -> list[int | None]:
    """The authorities (None: the host) owning unfinished work about ``topic``."""
    return tenancy.values_across(
        select(OutboxMessage.tenant_id)
        .where(_about(topic), OutboxMessage.status.in_(OPEN))
        .distinct()
    )


def cancel_topic_everywhere(topic: str) -> int:
    """:func:`cancel_topic` for work owned by any authority (a group session's reminders
    belong to each seat holder's): each authority's rows are cancelled in its own scope."""
    cancelled = 0
    for tenant_id in _owners(topic):
        with tenancy.writing_as(tenant_id):
            cancelled += cancel_topic(topic)
    return cancelled


def move_topic_everywhere(topic: str, run_at: datetime) -> int:
    """:func:`move_topic` for work owned by any authority, each in its own scope."""
    moved = 0
    for tenant_id in _owners(topic):
        with tenancy.writing_as(tenant_id):
            moved += move_topic(topic, run_at)
    return moved
