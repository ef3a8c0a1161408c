"""Keeping email no longer than it is needed.

Every night the bodies (and calendar files) of messages older than
``MAIL_BODY_RETENTION_DAYS`` are removed, in every authority; who a message went to,
its subject, kind and dates are kept, and the mailbox says the body was removed. The
run is a scheduled outbox job (``mail.purge_bodies``) that books the next night's run
itself; ``flask mail schedule-purge``, in the Procfile's release step, makes sure one
is booked (``flask mail purge-bodies`` runs it by hand).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from portal import tenancy
from portal.common.clock import LONDON, utcnow
from portal.extensions import db
from portal.jobs.models import OutboxMessage
from portal.jobs.service import OPEN, enqueue
from portal.mail.models import MailMessage

PURGE_JOB = "mail.purge_bodies"
PURGE_TOPIC = "mail:purge-bodies"
PURGE_AT = time(3)  # every night, London time: a quiet hour


def body_retention_days() -> int:
    """How many days a message's body is kept (at least one: a message must live long
    enough to be sent)."""
    return max(1, int(current_app.config["MAIL_BODY_RETENTION_DAYS"]))


def purge_old_bodies() -> int:
    """Blank the body and calendar file of every message older than the retention
    period, whichever authority it belongs to; returns how many were blanked. Running
    it twice blanks nothing more."""
    cutoff = utcnow() - timedelta(days=body_retention_days())
    due = and_(
        MailMessage.created_at < cutoff,
        or_(MailMessage.body_text != "", MailMessage.calendar.is_not(None)),
    )
    owners = tenancy.values_across(select(MailMessage.tenant_id).where(due).distinct())
    purged = 0
    for tenant_id in owners:
        # Each authority's messages in its own scope, so both locks check the change.
        owned = (
            MailMessage.tenant_id.is_(None)
            if tenant_id is None
            else MailMessage.tenant_id == tenant_id
        )
        with tenancy.writing_as(tenant_id):
            result = db.session.execute(
                update(MailMessage)
                .where(due, owned)
                .values(body_text="", calendar=None)
                .execution_options(synchronize_session=False)
            )
            purged += result.rowcount
    return purged


def next_purge_time(now: datetime | None = None) -> datetime:
    """3am London, the next one after ``now``."""
    now = now or utcnow()
    day = now.astimezone(LONDON).date()
    when = datetime.combine(day, PURGE_AT, tzinfo=LONDON).astimezone(UTC)
    if when > now:
        return when
    return datetime.combine(day + timedelta(days=1), PURGE_AT, tzinfo=LONDON).astimezone(UTC)


def schedule_body_purge() -> bool:
    """Make sure a future nightly purge is in the outbox (once); True if one was added.

    A run that is due or running now does not count, so the run itself books the next.
    """
    waiting = tenancy.values_across(  # the host's own work, wherever the caller's scope is
        select(OutboxMessage.id).where(
            OutboxMessage.topic == PURGE_TOPIC,
            OutboxMessage.status.in_(OPEN),
            OutboxMessage.run_at > utcnow(),
        )
    )
    if waiting:
        return False
    enqueue(PURGE_JOB, tenant_id=None, run_at=next_purge_time(), topic=PURGE_TOPIC)
    db.session.flush()
    return True
