"""Shared by the fixtures and the tests (import from here, not from another test module)."""

from __future__ import annotations

import itertools
import os
import random
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

# The moment every test starts at (tests/conftest.py sets the portal's clock to it):
# Monday 11 January 2027, 09:30 in London (GMT), a working day with no bank holiday for
# weeks either side, so "three working days ahead" and the like never depend on the day
# the suite runs.
FROZEN_AT = datetime(2027, 1, 11, 9, 30, tzinfo=UTC)

PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith(("postgres://", "postgresql"))

# Under pytest-xdist each worker process is "gw0", "gw1", ...; without it, one process (0).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_NUMBER = int(WORKER[2:]) if WORKER.startswith("gw") and WORKER[2:].isdigit() else 0


def redis_db_for_tests(url: str, worker: int = WORKER_NUMBER) -> int:
    """Each worker's own Redis database number, emptied before and after the run and
    after every test: the one after REDIS_URL's (so the portal's own data there is never
    touched), plus the worker number. ``PORTAL_TEST_REDIS_DB`` sets worker 0's instead."""
    first = os.environ.get("PORTAL_TEST_REDIS_DB")
    if first is None:
        path = urlsplit(url).path.strip("/")
        first = int(path or 0) + 1
    return int(first) + worker


def redis_url_for_tests(url: str | None, worker: int = WORKER_NUMBER) -> str | None:
    if not url:
        return None
    return urlunsplit(urlsplit(url)._replace(path=f"/{redis_db_for_tests(url, worker)}"))


REDIS_URL = redis_url_for_tests(os.environ.get("REDIS_URL"))

# free_port() hands out ports from a block of its own per worker, below Linux's ephemeral
# range (32768-60999, where the kernel picks the local ports of outgoing connections), so
# two workers are never handed the same port, and starts at a random place in the block,
# so another test run on the same machine is unlikely to be trying the same ports.
_PORT_BLOCK = 600
_PORT_FLOOR = 20000
_ports = itertools.count(random.randrange(_PORT_BLOCK))


def free_port() -> int:
    """A TCP port on loopback that nothing is listening on (right now), from this
    worker's own block, and not one this process has handed out recently."""
    first = _PORT_FLOOR + (WORKER_NUMBER % 20) * _PORT_BLOCK
    for _ in range(_PORT_BLOCK):
        port = first + next(_ports) % _PORT_BLOCK
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{first + _PORT_BLOCK - 1}")


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
