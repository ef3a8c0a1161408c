"""Wiring background work into the application.

After a commit that wrote outbox rows, the request either hands them to RQ
(REDIS_URL set; the worker's relay thread catches anything missed) or wakes the
embedded runner thread (no REDIS_URL).
"""

from __future__ import annotations

from flask import Flask, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.jobs.models import OutboxMessage


def _after_flush(session: Session, flush_context) -> None:
    new = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if new:
        session.info.setdefault("portal_outbox_flushed", []).extend(new)


def _after_commit(session: Session) -> None:
    ids = session.info.pop("portal_outbox_flushed", [])
    if ids and has_app_context():
        g.setdefault("portal_outbox_committed", []).extend(ids)


def _after_rollback(session: Session, previous_transaction) -> None:
    session.info.pop("portal_outbox_flushed", None)


def init_app(app: Flask) -> None:
    from portal.jobs.embedded import EmbeddedRunner
    from portal.jobs.registry import load_jobs

    load_jobs()
    if not getattr(Session, "_portal_outbox_installed", False):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
        Session._portal_outbox_installed = True

    runner = None
    if not app.config["REDIS_URL"] and app.config.get("JOBS_EMBEDDED_THREAD", True):
        runner = EmbeddedRunner(app)
    app.extensions["portal_jobs"] = runner

    @app.after_request
    def hand_over_work(response):
        ids = g.pop("portal_outbox_committed", [])
        if app.config["REDIS_URL"]:
            if ids:
                from portal.jobs.relay import relay_after_request

                relay_after_request(ids)
        elif runner is not None:
            runner.start()  # started on first use, never at import or factory time
            if ids:
                runner.wake.set()
        return response
