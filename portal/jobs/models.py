"""The outbox (work promised by a committed change) and job runs (progress for the UI)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.clock import utcnow
from portal.extensions import db
from portal.tenancy import TenantOrHost


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # written with the change; waiting for the relay
    RELAYED = "relayed"  # handed to a queue; not yet finished
    DONE = "done"
    FAILED = "failed"  # gave up after its retries
    CANCELLED = "cancelled"  # e.g. the reminder of a cancelled session


class OutboxMessage(TenantOrHost, db.Model):
    """One piece of follow-up work, written in the same transaction as its cause.

    A job reads its row before doing anything, so cancelling or moving the row
    (not chasing the queue) is what cancels or moves the work.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    job: Mapped[str] = mapped_column(String(80))
    queue: Mapped[str] = mapped_column(String(20), default="default")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Groups work about one thing so it can be cancelled or moved together,
    # e.g. "session:42:reminders".
    topic: Mapped[str | None] = mapped_column(String(120), index=True)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=20), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)  # times handed to a queue
    failures: Mapped[int] = mapped_column(default=0)  # times it ran and raised
    relayed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    job_run_id: Mapped[str | None] = mapped_column(String(64))

    @property
    def rq_job_id(self) -> str:
        return f"outbox-{self.id}-{self.attempts}"


class JobRunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class JobRun(TenantOrHost, db.Model):
    """Progress of a long job (an import, an export) that a page polls."""

    __tablename__ = "job_runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[JobRunStatus] = mapped_column(
        Enum(JobRunStatus, native_enum=False, length=20), default=JobRunStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def finished(self) -> bool:
        return self.status in (JobRunStatus.FINISHED, JobRunStatus.FAILED)
