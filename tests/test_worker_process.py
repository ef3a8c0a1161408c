"""Real worker processes: `flask worker` killed mid-job, and the work still done once."""

from __future__ import annotations

import asyncio
import contextlib
import email
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import tenancy
from portal.accounts import service as accounts
from portal.accounts.models import Role
from portal.common.clock import utcnow
from portal.extensions import db as _db
from portal.jobs import relay
from portal.jobs.models import OutboxMessage, OutboxStatus
from portal.jobs.registry import JOBS
from tests.support import REDIS_URL, free_port

pytestmark = pytest.mark.skipif(REDIS_URL is None, reason="needs REDIS_URL")
FLASK = str(Path(sys.executable).parent / "flask")


class SlowFirstInbox:
    """Accepts mail, except that it stalls the first delivery (and never accepts it)."""

    def __init__(self):
        self.messages = []
        self.stalled = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if not self.stalled.is_set():
            self.stalled.set()
            await asyncio.sleep(30)
            return "451 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


def _start_worker(app, smtp_port: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        MIGRATION_DATABASE_URL=app.config["MIGRATION_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        SECRET_KEY=app.config["SECRET_KEY"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        MAIL_USE_TLS="false",
    )
    return subprocess.Popen(
        [FLASK, "--app", "portal", "worker"],
        env=env,
        start_new_session=True,  # its own process group: the work horse dies with it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill(worker: subprocess.Popen) -> None:
    """Kill the worker as a machine that dies would: with its work horse, which RQ puts in
    a process group of its own (so killing the worker's group alone leaves the horse
    holding its job and the row lock until its SMTP call gives up)."""
    horses = _descendants(worker.pid)
    os.killpg(worker.pid, signal.SIGKILL)
    for pid in horses:
        with contextlib.suppress(ProcessLookupError):  # it ended on its own
            os.kill(pid, signal.SIGKILL)
    worker.wait(timeout=10)


def _descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _row() -> OutboxMessage:
    with tenancy.system_scope():
        row = _db.session.scalar(select(OutboxMessage))
        _db.session.expunge(row)
        _db.session.rollback()
        return row


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_worker_killed_mid_send_loses_nothing_and_sends_once(app, world):
    from aiosmtpd.controller import Controller

    inbox = SlowFirstInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    workers = []
    try:
        with tenancy.scoped({world.a.id}):
            accounts.invite_user(
                inviter=world["partner_manager_a"],
                email="survivor@northbrook.example",
                name="Survivor",
                role=Role.PARTICIPANT,
                tenant=world.a,
            )
            _db.session.commit()

        workers.append(_start_worker(app, port))
        assert inbox.stalled.wait(30), "the first worker never started sending"
        _kill(workers[-1])
        assert _row().status == OutboxStatus.RELAYED
        assert inbox.messages == []

        # Its lease runs out (moved back in time rather than waited for).
        with tenancy.system_scope():
            row = _db.session.scalar(select(OutboxMessage))
            long_ago = utcnow() - relay.lease(JOBS["mail.send"]) - timedelta(seconds=1)
            row.relayed_at = row.run_at = long_ago
            _db.session.commit()

        workers.append(_start_worker(app, port))
        assert _wait_for(lambda: _row().status == OutboxStatus.DONE, 45), _row().last_error
        assert [m["To"] for m in inbox.messages] == ["survivor@northbrook.example"]
        assert _row().attempts == 2
    finally:
        for worker in workers:
            if worker.poll() is None:
                _kill(worker)
        controller.stop()
