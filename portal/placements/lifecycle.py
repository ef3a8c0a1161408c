"""A cleared placement from its first day to its end: started, completed, then evaluated
by both sides (the participant, and the service's lead), with a reminder a week after
completion for whoever has not written theirs yet."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.service import record
from portal.common.clock import today, utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.placements.changes import (
    get_placement,
    is_lead_of,
    move,
    require_lead,
    require_state,
    service_leads,
    tell,
)
from portal.placements.models import Placement, PlacementStatus

S = PlacementStatus


def start_placement(placement_id: int, *, user: User) -> Placement:
    """A cleared placement becomes active on (or after) its first day."""
    placement = get_placement(placement_id, lock=True)
    require_lead(placement, user, "start a placement")
    if placement.status == S.APPROVED:
        raise RuleError("The clearance checklist must be complete before the placement starts")
    require_state(placement, S.CLEARED, doing="start")
    if today() < placement.starts_on:
        raise RuleError(f"This placement starts on {placement.starts_on:%-d %B %Y}")
    move(placement, S.ACTIVE, actor=user, action="started")
    return placement


def complete_placement(placement_id: int, *, user: User) -> Placement:
    """An active placement is completed; both sides are asked to evaluate it."""
    placement = get_placement(placement_id, lock=True)
    require_lead(placement, user, "complete a placement")
    require_state(placement, S.ACTIVE, doing="complete")
    if today() < placement.ends_on:
        raise RuleError(
            f"This placement runs until {placement.ends_on:%-d %B %Y}: mark it as completed "
            "from that day. If it has to end early, ask the Centre for Social Work to cancel it."
        )
    move(placement, S.COMPLETED, actor=user, action="completed")
    _ask_for_evaluations(placement)
    return placement


def _ask_for_evaluations(placement: Placement) -> None:
    from portal.jobs.service import enqueue

    tell(
        [placement.participant],
        placement,
        f"Your placement in {placement.service.name} is complete. Tell us how it went.",
    )
    tell(
        service_leads(placement.service_id, placement.tenant_id),
        placement,
        f"{placement.participant.name}'s placement is complete. Give feedback on their "
        "learning goals.",
    )
    enqueue(
        "placements.evaluation_reminder",
        tenant_id=placement.tenant_id,
        run_at=utcnow() + timedelta(days=7),
        topic=_reminder_topic(placement),
        placement_id=placement.id,
    )


def _reminder_topic(placement: Placement) -> str:
    return f"placement:{placement.id}:evaluation"


def submit_evaluation(placement_id: int, *, user: User, text: str) -> Placement:
    """The participant's evaluation of the setting, or the lead's feedback on their goals.

    The placement is evaluated once both are in.
    """
    placement = get_placement(placement_id, lock=True)
    require_state(placement, S.COMPLETED, doing="evaluate")
    text = (text or "").strip()
    if not text:
        raise RuleError("Enter your evaluation", "text")
    if len(text) > 5000:
        raise RuleError("Your evaluation must be 5,000 characters or fewer", "text")
    if user.id == placement.participant_id:
        placement.participant_evaluation = text
        what = "participant_evaluation"
    elif is_lead_of(user, placement.service_id):
        placement.host_feedback = text
        what = "host_feedback"
    else:
        raise RuleError("Only the participant or the service's lead can evaluate this placement")
    record(f"placement.{what}", obj=placement, actor=user, tenant_id=placement.tenant_id)
    if placement.participant_evaluation and placement.host_feedback:
        from portal.jobs.service import cancel_topic

        move(placement, S.EVALUATED, actor=user, action="evaluated")
        cancel_topic(_reminder_topic(placement))
    return placement


def owed_evaluations(placement: Placement) -> list[User]:
    owed = []
    if not placement.participant_evaluation:
        owed.append(placement.participant)
    if not placement.host_feedback:
        owed += service_leads(placement.service_id, placement.tenant_id)
    return owed


def remind_evaluations(placement_id: int) -> int:
    """The reminder job: nudge whoever still owes an evaluation; returns how many."""
    placement = db.session.scalar(select(Placement).where(Placement.id == placement_id))
    if placement is None or placement.status != S.COMPLETED:
        return 0
    owed = owed_evaluations(placement)
    tell(owed, placement, f"Reminder: your evaluation of the placement in "
         f"{placement.service.name} is still to do.")  # fmt: skip
    return len(owed)
