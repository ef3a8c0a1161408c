"""Shared by the fixtures and the tests (import from here, not from another test module)."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit, urlunsplit

PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith(("postgres://", "postgresql"))
# The suite uses its own Redis database number, emptied before and after the run.
TEST_REDIS_DB = int(os.environ.get("PORTAL_TEST_REDIS_DB", "13"))


def redis_url_for_tests(url: str | None) -> str | None:
    if not url:
        return None
    return urlunsplit(urlsplit(url)._replace(path=f"/{TEST_REDIS_DB}"))


REDIS_URL = redis_url_for_tests(os.environ.get("REDIS_URL"))


def free_port() -> int:
    """A TCP port on loopback that nothing is listening on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_jobs(*, scheduler: bool = False) -> None:
    """Do all due background work the way this configuration does it: a real RQ
    worker (burst, in this process) when Redis is configured, else embedded."""
    from flask import current_app

    from portal.jobs.embedded import run_due

    if not current_app.config["REDIS_URL"]:
        run_due()
        return
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from portal.jobs import relay
    from portal.jobs.registry import QUEUES

    relay.relay_pending()
    connection = relay.redis_connection()
    queues = [relay.queue(name, connection) for name in QUEUES]
    SimpleWorker(queues, connection=connection, serializer=JSONSerializer).work(
        burst=True, with_scheduler=scheduler
    )


def working_day(n: int = 0):
    """The n-th weekday (0 = the first) from three days ahead that is not a bank holiday
    in England and Wales: a day sessions can always be booked on."""
    from datetime import timedelta

    from portal.sessions.service import london_date, now
    from portal.sessions.slots import bank_holiday

    day, found = london_date(now()) + timedelta(days=3), -1
    while True:
        if day.weekday() < 5 and not bank_holiday(day):
            found += 1
            if found == n:
                return day
        day += timedelta(days=1)
