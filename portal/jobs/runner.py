"""Running one outbox row: the entry point RQ workers (and embedded mode) call.

``run_outbox(outbox_id, tenant_id)`` sets the tenant scope from the id it is
given, re-reads the row under a lock, does nothing if the work was done,
cancelled or moved later, runs the job, and records the outcome. The scope is
cleared afterwards, success or failure.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import select

from portal import tenancy
from portal.common.clock import as_utc, utcnow
from portal.extensions import db
from portal.jobs.models import OutboxMessage, OutboxStatus
from portal.jobs.registry import spec

log = logging.getLogger(__name__)

# A job may run this much before its time (clock skew between web and worker hosts).
EARLY = timedelta(seconds=2)
_worker_app = None


def _app():
    """The application: the current one, or (in a bare RQ work horse) one built once."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from portal import create_app

        _worker_app = create_app()
    return _worker_app


def run_outbox(outbox_id: int, tenant_id: int | None) -> str:
    """Run one piece of outbox work once; returns what happened (for logs and tests)."""
    app = _app()
    with app.app_context(), tenancy.scoped({tenant_id} if tenant_id else ()):
        try:
            return _run(outbox_id)
        finally:
            db.session.remove()


def _run(outbox_id: int) -> str:
    row = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.id == outbox_id).with_for_update()
    )
    if row is None:
        return "missing"
    if row.status not in (OutboxStatus.PENDING, OutboxStatus.RELAYED):
        db.session.rollback()
        return f"skipped: {row.status.value}"
    if as_utc(row.run_at) > utcnow() + EARLY:
        db.session.rollback()
        return "skipped: moved later"
    job = spec(row.job)
    try:
        job.func(**row.payload)
    except Exception as error:
        db.session.rollback()
        _record_failure(outbox_id, error, job.retries)
        raise
    row = db.session.get(OutboxMessage, outbox_id)
    row.status = OutboxStatus.DONE
    row.finished_at = utcnow()
    row.last_error = None
    db.session.commit()
    return "done"


def _record_failure(outbox_id: int, error: Exception, retries: int) -> None:
    row = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.id == outbox_id).with_for_update()
    )
    if row is None:
        return
    row.failures += 1
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    if row.failures > retries:
        row.status = OutboxStatus.FAILED
        row.finished_at = utcnow()
    db.session.commit()
    log.warning("outbox %s (%s) failed %s time(s)", outbox_id, row.job, row.failures)
