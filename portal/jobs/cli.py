"""``flask worker``: an RQ worker with the app context, the scheduler, and the relay.

The Procfile's ``worker`` process. Beside the RQ worker a thread relays outbox
rows to the queues every couple of seconds, so work written while Redis was down
(or by a request whose fast-path hand-over failed) is caught up.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

log = logging.getLogger(__name__)
RELAY_INTERVAL = 2.0


def _relay_loop(app, stop: threading.Event) -> None:
    from portal.extensions import db
    from portal.jobs.relay import relay_pending

    while not stop.wait(RELAY_INTERVAL):
        with app.app_context():
            try:
                relay_pending()
            except Exception:  # noqa: BLE001 - keep relaying; Redis or the DB may come back
                log.exception("relay pass failed")
            finally:
                db.session.remove()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker (with the scheduler and the outbox relay) on every queue."""
    from rq import Worker
    from rq.serializers import JSONSerializer

    from portal.extensions import db
    from portal.jobs.registry import QUEUES, load_jobs
    from portal.jobs.relay import queue, redis_connection, relay_pending

    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set: the portal is in embedded mode and runs jobs in-process."
        )
    load_jobs()
    app = current_app._get_current_object()
    # Each job runs in a forked work horse; it must not share the parent's
    # database connections (SQLAlchemy's advice for forked processes).
    os.register_at_fork(after_in_child=lambda: _fresh_pools(app, db))

    connection = redis_connection(url)
    connection.ping()
    relay_pending()  # catch up before taking work
    stop = threading.Event()
    relay_thread = threading.Thread(
        target=_relay_loop, args=(app, stop), name="portal-relay", daemon=True
    )
    relay_thread.start()
    worker = Worker(
        [queue(name, connection) for name in QUEUES],
        connection=connection,
        serializer=JSONSerializer,
        name=f"portal-{socket.gethostname()}-{os.getpid()}",
    )
    try:
        worker.work(with_scheduler=True, burst=burst)
    finally:
        stop.set()


def _fresh_pools(app, db) -> None:
    with app.app_context():
        db.engine.dispose(close=False)
