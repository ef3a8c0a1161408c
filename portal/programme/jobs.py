"""Programme jobs: the work a request must not do while someone waits (or times it)."""

from __future__ import annotations

from portal.jobs.registry import job
from portal.programme import scope
from portal.programme.applying import send_start_link


@job("programme.start_link", queue="mail", timeout=60, retries=3)
def start_link(email: str, name: str, round_id: int) -> None:
    """Email the link that starts or reopens an application (or, for an address that is
    a staff account, how to sign in instead). A failed run rolls back: one email."""
    with scope.as_admin():
        send_start_link(email=email, name=name, round_id=round_id)
