"""Account jobs: the work a request must not do while someone waits (or times it)."""

from __future__ import annotations

from portal.accounts.lookup import find_user_by_email
from portal.accounts.pending import reinvite_on_request
from portal.accounts.signin import send_password_reset
from portal.jobs.registry import job


@job("accounts.password_reset", queue="mail", timeout=60, retries=3)
def password_reset(email: str) -> None:
    """Email a reset link if ``email`` is an account's, or a fresh invitation if it is
    someone invited who never set a password. A failed run rolls back, so a retry sends
    one email, not two."""
    user = find_user_by_email(email)
    if user is None:
        return
    if user.has_password:
        send_password_reset(user)
    else:
        reinvite_on_request(user)
