"""What the centre admin sees of background work, and what they can do about failures.

Every reading copes with Redis being down: it says so instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select

from portal import tenancy
from portal.audit.service import record
from portal.common.clock import as_utc, utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.jobs.models import OutboxMessage, OutboxStatus
from portal.jobs.registry import QUEUES

HEARTBEAT_FRESH = timedelta(minutes=2)


@dataclass
class QueueState:
    name: str
    waiting: int
    scheduled: int
    running: int
    failed: int


@dataclass
class WorkerState:
    name: str
    state: str
    last_heartbeat: datetime | None
    current_job: str | None

    @property
    def alive(self) -> bool:
        return self.last_heartbeat is not None and (
            utcnow() - as_utc(self.last_heartbeat) < HEARTBEAT_FRESH
        )


@dataclass
class Snapshot:
    mode: str  # "redis" or "embedded"
    redis_error: str | None = None
    queues: list[QueueState] = field(default_factory=list)
    workers: list[WorkerState] = field(default_factory=list)
    outbox_counts: dict[str, int] = field(default_factory=dict)
    oldest_waiting: datetime | None = None
    failed: list[OutboxMessage] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return self.outbox_counts.get("pending", 0) + self.outbox_counts.get("relayed", 0)

    @property
    def oldest_waiting_age(self) -> timedelta | None:
        return None if self.oldest_waiting is None else utcnow() - as_utc(self.oldest_waiting)

    @property
    def live_workers(self) -> int:
        return sum(w.alive for w in self.workers)


def outbox_state() -> tuple[dict[str, int], datetime | None]:
    """Counts by status and the oldest unfinished row's due time, across every authority
    (counts and a time only)."""
    counts = {
        status.value: count
        for status, count in tenancy.read_across(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
    }
    (oldest,) = tenancy.values_across(
        select(func.min(OutboxMessage.run_at)).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.RELAYED]),
            OutboxMessage.run_at <= utcnow(),
        )
    )
    return counts, oldest


def redis_state(snapshot: Snapshot) -> None:
    from rq import Worker
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    from portal.jobs.relay import queue, redis_connection

    try:
        connection = redis_connection()
        for name in QUEUES:
            q = queue(name, connection)
            snapshot.queues.append(
                QueueState(
                    name=name,
                    waiting=q.count,
                    scheduled=ScheduledJobRegistry(queue=q).count,
                    running=StartedJobRegistry(queue=q).count,
                    failed=FailedJobRegistry(queue=q).count,
                )
            )
        for worker in Worker.all(connection=connection):
            job = worker.get_current_job_id()
            snapshot.workers.append(
                WorkerState(
                    name=worker.name,
                    state=str(worker.get_state()),
                    last_heartbeat=worker.last_heartbeat,
                    current_job=job,
                )
            )
    except RedisError as error:
        snapshot.redis_error = f"{type(error).__name__}: {error}"


def snapshot() -> Snapshot:
    """The state of background work. The caller sets the (system) scope."""
    mode = "redis" if current_app.config["REDIS_URL"] else "embedded"
    result = Snapshot(mode=mode)
    result.outbox_counts, result.oldest_waiting = outbox_state()
    result.failed = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
            .order_by(OutboxMessage.finished_at.desc())
            .limit(50)
        )
    )
    if mode == "redis":
        redis_state(result)
    return result


def _failed_row(outbox_id: int) -> OutboxMessage:
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == outbox_id))
    if row is None or row.status != OutboxStatus.FAILED:
        raise RuleError("That job is no longer failed; the page may be out of date")
    return row


def retry_failed(outbox_id: int) -> OutboxMessage:
    """Give a failed job another full set of tries."""
    row = _failed_row(outbox_id)
    row.status = OutboxStatus.PENDING
    row.failures = 0
    row.run_at = utcnow()
    row.finished_at = None
    record("job.retried", obj=row, tenant_id=row.tenant_id, summary=f"Retried {row.job}")
    return row


def discard_failed(outbox_id: int) -> OutboxMessage:
    """Give up on a failed job for good, and drop RQ's copies of its failures."""
    row = _failed_row(outbox_id)
    row.status = OutboxStatus.CANCELLED
    record("job.discarded", obj=row, tenant_id=row.tenant_id, summary=f"Discarded {row.job}")
    if current_app.config["REDIS_URL"]:
        _forget_rq_failures(row)
    return row


def _forget_rq_failures(row: OutboxMessage) -> None:
    from rq.registry import FailedJobRegistry

    from portal.jobs.relay import queue, redis_connection

    try:
        registry = FailedJobRegistry(queue=queue(row.queue, redis_connection()))
        for attempt in range(1, row.attempts + 1):
            job_id = f"outbox-{row.id}-{attempt}"
            if job_id in registry:
                registry.remove(job_id, delete_job=True)
    except RedisError:
        pass  # the copies expire on their own (failure_ttl)


def health() -> tuple[dict, int]:
    """The /healthz report: 200 while the portal can serve pages (Redis down is degraded)."""
    from sqlalchemy import text

    report: dict = {"mode": "redis" if current_app.config["REDIS_URL"] else "embedded"}
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        report["database"] = "unavailable"
        report["status"] = "unavailable"
        return report, 503
    counts, oldest = outbox_state()
    report["outbox"] = {
        "waiting": counts.get("pending", 0) + counts.get("relayed", 0),
        "failed": counts.get("failed", 0),
        "oldest_waiting_seconds": int((utcnow() - as_utc(oldest)).total_seconds()) if oldest else 0,
    }
    if report["mode"] == "redis":
        state = Snapshot(mode="redis")
        redis_state(state)
        report["redis"] = "unavailable" if state.redis_error else "ok"
        report["workers"] = state.live_workers
    else:
        report["redis"] = "not configured"
        report["workers"] = "in-process"
    healthy = report["redis"] != "unavailable" and report.get("workers") != 0
    report["status"] = "ok" if healthy else "degraded"
    return report, 200
