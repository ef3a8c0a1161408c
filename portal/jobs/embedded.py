"""Embedded mode (no REDIS_URL): the same jobs, run in-process.

A daemon thread runs due outbox rows, woken straight after a commit that wrote
some and otherwise once a second, so scheduled work runs when due. Tests call
:func:`run_due` directly instead of starting the thread.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import select

from portal import tenancy
from portal.common.clock import utcnow
from portal.extensions import db
from portal.jobs.models import OutboxMessage, OutboxStatus
from portal.jobs.relay import RETRY_INTERVALS
from portal.jobs.runner import run_outbox

log = logging.getLogger(__name__)


def run_due(limit: int = 50) -> dict[str, int]:
    """Run every due pending outbox row in this process; returns outcome counts."""
    with tenancy.system_scope():  # finding due work spans every authority
        due = db.session.execute(
            select(OutboxMessage.id, OutboxMessage.tenant_id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.run_at <= utcnow(),
            )
            .order_by(OutboxMessage.run_at, OutboxMessage.id)
            .limit(limit)
        ).all()
        db.session.commit()
    outcomes: dict[str, int] = {}
    for outbox_id, tenant_id in due:
        try:
            outcome = run_outbox(outbox_id, tenant_id)
        except Exception:  # noqa: BLE001 - recorded on the row; retried after a pause
            outcome = "failed"
            _back_off(outbox_id, tenant_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _back_off(outbox_id: int, tenant_id: int | None) -> None:
    with tenancy.scoped({tenant_id} if tenant_id else ()):
        row = db.session.get(OutboxMessage, outbox_id)
        if row is not None and row.status == OutboxStatus.PENDING:
            pause = RETRY_INTERVALS[min(row.failures, len(RETRY_INTERVALS)) - 1]
            row.run_at = utcnow() + timedelta(seconds=pause)
        db.session.commit()


class EmbeddedRunner:
    """One background thread per process that runs outbox work as it falls due."""

    def __init__(self, app, interval: float = 1.0):
        self.app = app
        self.interval = interval
        self.wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="portal-embedded-jobs", daemon=True
                )
                self._thread.start()

    def _loop(self) -> None:
        while True:
            self.wake.wait(self.interval)
            self.wake.clear()
            try:
                with self.app.app_context():
                    run_due()
            except Exception:  # noqa: BLE001 - keep the thread alive; log and carry on
                log.exception("embedded job runner pass failed")
