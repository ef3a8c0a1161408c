"""Account jobs: the work a request must not do while someone waits (or times it)."""

from __future__ import annotations

from portal.accounts.signin import send_password_reset
from portal.jobs.registry import job


@job("accounts.password_reset", queue="mail", timeout=60, retries=3)
def password_reset(email: str) -> None:
    """Email a reset link if ``email`` is an account's. A failed run rolls back, so a
    retry sends one email, not two."""
    send_password_reset(email)
