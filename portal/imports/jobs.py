"""Import jobs."""

from __future__ import annotations

from portal.imports.service import run_participant_import
from portal.jobs.registry import job


@job("imports.participants", queue="exports", timeout=900, retries=1)
def import_participants(import_id: int) -> None:
    """Import the participants in an uploaded file (all or nothing)."""
    run_participant_import(import_id)
