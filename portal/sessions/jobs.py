"""Session jobs."""

from __future__ import annotations

from portal.jobs.registry import job
from portal.sessions.service import send_reminder


@job("sessions.reminder", timeout=60, personal_data=True)
def reminder(session_id: int, user_id: int) -> None:
    """The day-before reminder; sends nothing if the session was cancelled or moved."""
    send_reminder(session_id, user_id)
