"""Session jobs."""

from __future__ import annotations

from portal.accounts.models import User
from portal.extensions import db
from portal.jobs.registry import job
from portal.sessions.changes import cancel_outside_placements
from portal.sessions.service import send_reminder


@job("sessions.reminder", timeout=60, personal_data=True)
def reminder(session_id: int, user_id: int) -> None:
    """The day-before reminder; sends nothing if the session was cancelled or moved."""
    send_reminder(session_id, user_id)


@job("sessions.placement_ended", timeout=120, retries=3)
def placement_ended(
    participant_id: int, actor_id: int, service: str, why: str = "has ended"
) -> None:
    """A participant's placement ended (completed, withdrawn, cancelled) or is no longer
    cleared (``why``): the joint visits and consultations it allowed after today are
    called off. Run again, it finds them cancelled already and does nothing twice."""
    actor = db.session.get(User, actor_id)
    cancel_outside_placements(
        participant_id,
        actor=actor,
        reason=f"The placement in {service} {why}, and a joint visit needs one",
    )
