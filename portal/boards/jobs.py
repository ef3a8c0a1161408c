"""Learning-board jobs: the weekly digest."""

from __future__ import annotations

from portal.boards.service import fan_out_digests, send_digest
from portal.jobs.registry import job


@job("boards.weekly_digest", timeout=300, personal_data=False)
def weekly_digest() -> None:
    """Every Monday: one digest job per person, and the next Monday's run."""
    fan_out_digests()


@job("boards.digest", timeout=120)
def digest(user_id: int) -> None:
    """One person's digest of what they may read that is new; none if nothing is."""
    send_digest(user_id)
