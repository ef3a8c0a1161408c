"""The service lead's decision on a request (approve, decline, or propose other dates),
and the partner manager's answer to proposed dates (accept or turn down).

Approving takes the two rules' locks, service first, then participant, so two
approvals at the same moment cannot deadlock or both take the last place.
"""

from __future__ import annotations

from datetime import date, timedelta

from portal.accounts.models import User
from portal.common.clock import as_utc, utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.host.models import HostService
from portal.placements.capacity import check_room, lock_service
from portal.placements.changes import (
    deciders,
    get_placement,
    move,
    require_lead,
    require_manager,
    require_state,
    tell,
)
from portal.placements.clearance import CHECKS
from portal.placements.dates import check_dates, check_no_overlap, lock_participant
from portal.placements.models import HOLDS_A_PLACE, Placement, PlacementStatus

S = PlacementStatus
DECIDE = "decide on this placement"


def _approve(placement: Placement, *, actor: User, action: str, note: str | None = None) -> None:
    service = lock_service(placement.service_id)
    lock_participant(placement.participant_id)
    check_room(service, placement.starts_on, placement.ends_on, placement)
    check_no_overlap(
        placement.participant_id, placement.starts_on, placement.ends_on, placement.id,
        HOLDS_A_PLACE,
    )  # fmt: skip
    move(placement, S.APPROVED, actor=actor, action=action, note=note)


def approve_placement(placement_id: int, *, lead: User) -> Placement:
    """The service lead approves the requested dates, if the service has room."""
    placement = get_placement(placement_id, lock=True)
    require_lead(placement, lead, DECIDE)
    require_state(placement, S.REQUESTED, doing="approve")
    _approve(placement, actor=lead, action="approved")
    tell(
        [placement.requested_by, placement.participant],
        placement,
        f"Approved: {placement.participant.name} in {placement.service.name}, "
        f"{placement.starts_on:%-d %B} to {placement.ends_on:%-d %B %Y}. "
        "Next, complete the clearance checklist.",
    )
    return placement


UNDO_FOR = timedelta(minutes=15)


def can_undo_approval(placement: Placement, user: User) -> bool:
    """The lead who approved may take it back for a while, until the checklist starts."""
    last = placement.events[-1] if placement.events else None
    return (
        placement.status == S.APPROVED
        and last is not None
        and last.action == "approved"
        and last.actor_id == user.id
        and utcnow() - as_utc(last.occurred_at) <= UNDO_FOR
        and not any(getattr(placement, at) for at, _, _ in CHECKS.values())
    )


def undo_approval(placement_id: int, *, lead: User) -> Placement:
    """ "Undo" after approving by mistake: the request waits for a decision again."""
    placement = get_placement(placement_id, lock=True)
    if not can_undo_approval(placement, lead):
        raise RuleError(
            "This approval can no longer be undone. If the placement should not go ahead, "
            "ask the Centre for Social Work to cancel it."
        )
    move(placement, S.REQUESTED, actor=lead, action="approval_undone")
    tell(
        [placement.requested_by, placement.participant],
        placement,
        f"Approval taken back: the request for {placement.participant.name} in "
        f"{placement.service.name} is waiting for a decision again.",
    )
    return placement


def decline_placement(placement_id: int, *, lead: User, reason: str) -> Placement:
    placement = get_placement(placement_id, lock=True)
    require_lead(placement, lead, DECIDE)
    require_state(placement, S.REQUESTED, doing="decline")
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Enter a reason for declining", "reason")
    move(placement, S.DECLINED, actor=lead, action="declined", note=reason[:500])
    placement.decision_note = reason[:500]
    tell(
        [placement.requested_by],
        placement,
        f"Declined: the placement for {placement.participant.name} in "
        f"{placement.service.name}. Reason: {reason[:300]}",
    )
    return placement


def propose_dates(placement_id: int, *, lead: User, starts_on: date | None, ends_on: date | None,
                  note: str = "") -> Placement:  # fmt: skip
    """The service lead offers other dates (which have room) for the manager to accept."""
    placement = get_placement(placement_id, lock=True)
    require_lead(placement, lead, DECIDE)
    require_state(placement, S.REQUESTED, doing="propose other dates for")
    check_dates(starts_on, ends_on, placement.weekdays)
    if (starts_on, ends_on) == (placement.starts_on, placement.ends_on):
        raise RuleError("Propose dates that differ from the ones requested", "starts_on")
    service = db.session.get(HostService, placement.service_id)
    check_room(service, starts_on, ends_on, placement)
    placement.proposed_starts_on, placement.proposed_ends_on = starts_on, ends_on
    placement.decision_note = (note or "").strip()[:500] or None
    move(placement, S.PROPOSED, actor=lead, action="proposed_dates", note=placement.decision_note)
    tell(
        [placement.requested_by],
        placement,
        f"{service.name} proposes other dates for {placement.participant.name}: "
        f"{starts_on:%-d %B} to {ends_on:%-d %B %Y}. Accept or decline them.",
    )
    return placement


def accept_proposal(placement_id: int, *, manager: User) -> Placement:
    """The manager takes the proposed dates; the placement is approved if there is still room."""
    placement = get_placement(placement_id, lock=True)
    require_manager(placement, manager)
    require_state(placement, S.PROPOSED, doing="accept dates for")
    placement.starts_on = placement.proposed_starts_on
    placement.ends_on = placement.proposed_ends_on
    check_dates(placement.starts_on, placement.ends_on, placement.weekdays)
    _approve(placement, actor=manager, action="accepted_dates")
    placement.proposed_starts_on = placement.proposed_ends_on = None
    tell(
        deciders(placement.service_id, placement.tenant_id) + [placement.participant],
        placement,
        f"Agreed: {placement.participant.name} in {placement.service.name}, "
        f"{placement.starts_on:%-d %B} to {placement.ends_on:%-d %B %Y}.",
    )
    return placement


def reject_proposal(placement_id: int, *, manager: User) -> Placement:
    placement = get_placement(placement_id, lock=True)
    require_manager(placement, manager)
    require_state(placement, S.PROPOSED, doing="decline dates for")
    move(placement, S.WITHDRAWN, actor=manager, action="rejected_dates",
         note="The proposed dates did not suit")  # fmt: skip
    tell(
        deciders(placement.service_id, placement.tenant_id),
        placement,
        f"{placement.tenant.name} did not take the dates proposed for "
        f"{placement.participant.name}; the request is withdrawn.",
    )
    return placement
