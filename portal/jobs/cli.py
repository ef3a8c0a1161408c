"""``flask worker``: an RQ worker with the application context (Procfile ``worker``)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

QUEUES = ("default", "mail", "exports")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker (with the scheduler) on the default, mail and exports queues."""
    from redis import Redis
    from rq import Queue, Worker
    from rq.serializers import JSONSerializer

    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set: the portal is in embedded mode and runs jobs in-process."
        )
    connection = Redis.from_url(url)
    queues = [Queue(name, connection=connection, serializer=JSONSerializer) for name in QUEUES]
    Worker(queues, connection=connection, serializer=JSONSerializer).work(
        with_scheduler=True, burst=burst
    )
