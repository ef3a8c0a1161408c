"""Placement jobs."""

from __future__ import annotations

from portal.jobs.registry import job
from portal.placements.service import remind_evaluations


@job("placements.evaluation_reminder", timeout=60)
def evaluation_reminder(placement_id: int) -> None:
    """Nudge whoever owes an evaluation; does nothing once the placement is evaluated."""
    remind_evaluations(placement_id)
