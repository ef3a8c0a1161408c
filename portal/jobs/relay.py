"""The relay: moves committed outbox rows into RQ queues.

It runs in the worker process (a thread beside the RQ worker) and, as a fast
path, right after a web request that wrote outbox rows. If Redis cannot be
reached the rows simply stay pending and the page carries on; the next pass
catches up. A row handed to a queue but not finished within its lease (its
worker was killed, say) is handed over again; jobs are idempotent.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.serializers import JSONSerializer
from sqlalchemy import and_, or_, select

from portal import tenancy
from portal.common.clock import as_utc, utcnow
from portal.extensions import db
from portal.jobs.models import OutboxMessage, OutboxStatus
from portal.jobs.registry import JobSpec, spec

log = logging.getLogger(__name__)

RUNNER = "portal.jobs.runner.run_outbox"
RETRY_INTERVALS = [10, 60, 300]
# Skip the web fast path for a while after Redis failed, so pages stay quick.
_redis_down_until = 0.0


@dataclass
class RelayReport:
    relayed: int = 0
    error: str | None = None


def redis_connection(url: str | None = None) -> Redis:
    url = url or current_app.config["REDIS_URL"]
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=3)


def queue(name: str, connection: Redis) -> Queue:
    return Queue(name, connection=connection, serializer=JSONSerializer)


def lease(job: JobSpec) -> timedelta:
    """How long a handed-over job may take before it is presumed lost."""
    return timedelta(seconds=job.timeout + 60 + sum(RETRY_INTERVALS[: job.retries]))


def _due_rows(limit: int, ids: list[int] | None) -> list[OutboxMessage]:
    now = utcnow()
    # Rows handed over so long ago that their worker must have died: the
    # shortest possible lease is checked here, the exact one per row below.
    stale = and_(
        OutboxMessage.status == OutboxStatus.RELAYED,
        OutboxMessage.relayed_at < now - timedelta(seconds=60),
        OutboxMessage.run_at < now - timedelta(seconds=60),
    )
    query = (
        select(OutboxMessage)
        .where(or_(OutboxMessage.status == OutboxStatus.PENDING, stale))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two relays never take one row
    rows = []
    for row in db.session.scalars(query):
        if row.status == OutboxStatus.RELAYED:
            since = max(as_utc(row.relayed_at), as_utc(row.run_at))
            if since > now - lease(spec(row.job)):
                continue
            log.warning("outbox %s (%s) was not finished in time; relaying again", row.id, row.job)
        rows.append(row)
    return rows


def relay_pending(*, limit: int = 200, ids: list[int] | None = None) -> RelayReport:
    """Hand due outbox rows to RQ. Safe to run anywhere, any number of times."""
    report = RelayReport()
    connection = redis_connection()
    # The relay serves every authority: it reads ids and queue names, nothing else.
    with tenancy.system_scope():
        try:
            for row in _due_rows(limit, ids):
                job = spec(row.job)
                row.attempts += 1
                options = {
                    "job_id": row.rq_job_id,
                    "job_timeout": job.timeout,
                    "retry": Retry(max=job.retries, interval=RETRY_INTERVALS[: job.retries])
                    if job.retries
                    else None,
                    "result_ttl": 300,
                    # Failures can carry personal data in their tracebacks.
                    "failure_ttl": 86400 if job.personal_data else 7 * 86400,
                    "description": f"{row.job} (outbox {row.id})",
                }
                target = queue(row.queue, connection)
                run_at = as_utc(row.run_at)
                if run_at > utcnow():
                    target.enqueue_at(run_at, RUNNER, row.id, row.tenant_id, **options)
                else:
                    target.enqueue(RUNNER, row.id, row.tenant_id, **options)
                row.status = OutboxStatus.RELAYED
                row.relayed_at = utcnow()
                db.session.flush()
                report.relayed += 1
        except RedisError as error:
            # What was handed over is recorded; the rest waits for the next pass.
            report.error = f"{type(error).__name__}: {error}"
            log.warning("relay stopped, Redis unavailable: %s", error)
        db.session.commit()
    return report


def relay_after_request(ids: list[int]) -> None:
    """The web fast path: hand over what this request wrote, unless Redis is known down."""
    global _redis_down_until
    if time.monotonic() < _redis_down_until:
        return
    try:
        report = relay_pending(ids=ids)
    except Exception:  # noqa: BLE001 - the page must not fail because of the relay
        log.exception("relay after request failed")
        db.session.rollback()
        return
    if report.error:
        _redis_down_until = time.monotonic() + 30
