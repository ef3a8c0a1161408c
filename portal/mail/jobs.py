"""Mail jobs."""

from __future__ import annotations

from portal.jobs.registry import job
from portal.mail.service import send_message


@job("mail.send", queue="mail", timeout=60, retries=3)
def send(message_id: int) -> None:
    """Send one email; idempotent (a message already sent is not sent again)."""
    send_message(message_id)
