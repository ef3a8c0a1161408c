"""Mail jobs: sending one email, and the nightly removal of old bodies."""

from __future__ import annotations

from portal.jobs.registry import job
from portal.mail.retention import PURGE_JOB, purge_old_bodies, schedule_body_purge
from portal.mail.service import send_message


@job("mail.send", queue="mail", timeout=60, retries=3)
def send(message_id: int) -> None:
    """Send one email; idempotent (a message already sent is not sent again)."""
    send_message(message_id)


@job(PURGE_JOB, timeout=600, retries=1, personal_data=False)
def purge_bodies() -> None:
    """Every night: blank the bodies of old messages, then book the next night's run."""
    purge_old_bodies()
    schedule_body_purge()
