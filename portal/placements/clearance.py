"""The clearance checklist: DBS, the information sharing agreement and the induction.
Once an approved placement has all three, it is cleared to start."""

from __future__ import annotations

from portal.accounts.models import Role, User
from portal.audit.service import record
from portal.common.clock import utcnow
from portal.errors import RuleError
from portal.placements.changes import (
    get_placement,
    is_lead_of,
    move,
    require_state,
    service_leads,
    tell,
)
from portal.placements.models import Placement, PlacementStatus

S = PlacementStatus
# item -> (when it was confirmed, by whom, what the audit log and the page call it)
CHECKS = {
    "dbs": ("dbs_confirmed_at", "dbs_confirmed_by_id", "DBS check confirmed"),
    "sharing_agreement": (
        "sharing_agreement_at",
        "sharing_agreement_by_id",
        "Information sharing agreement signed",
    ),
    "induction": ("induction_at", "induction_by_id", "Induction arranged"),
}


def checklist_done(by_id: int | None, at) -> dict:
    """A placement's checklist columns with every item confirmed ``at`` by ``by_id``: for
    data made outside the portal's own steps (demo and bench data) that says "cleared"."""
    return {
        field: value
        for at_field, by_field, _ in CHECKS.values()
        for field, value in ((at_field, at), (by_field, by_id))
    }


def can_confirm_checks(user: User, placement: Placement) -> bool:
    return user.role in (Role.PARTNER_MANAGER, Role.CENTRE_ADMIN) or is_lead_of(
        user, placement.service_id
    )


def confirm_check(placement_id: int, *, user: User, item: str) -> Placement:
    """Tick one clearance item; with all three ticked the placement is cleared."""
    if item not in CHECKS:
        raise RuleError("Select a checklist item")
    placement = get_placement(placement_id, lock=True)
    if not can_confirm_checks(user, placement):
        raise RuleError("Only the partner manager or the service lead can confirm checks")
    require_state(placement, S.APPROVED, doing="change the checklist of")
    at_field, by_field, label = CHECKS[item]
    if getattr(placement, at_field) is None:
        setattr(placement, at_field, utcnow())
        setattr(placement, by_field, user.id)
        record("placement.check_confirmed", obj=placement, actor=user,
               tenant_id=placement.tenant_id, summary=label)  # fmt: skip
    if placement.cleared:
        move(placement, S.CLEARED, actor=user, action="cleared")
        tell(
            [placement.requested_by, placement.participant]
            + service_leads(placement.service_id, placement.tenant_id),
            placement,
            f"Cleared: {placement.participant.name} can start in {placement.service.name} "
            f"on {placement.starts_on:%-d %B %Y}.",
        )
    return placement


def undo_check(placement_id: int, *, user: User, item: str) -> Placement:
    """Untick an item ticked by mistake, before the placement starts. A cleared placement
    is then no longer cleared: joint visits it allowed are called off, and people told."""
    if item not in CHECKS:
        raise RuleError("Select a checklist item")
    placement = get_placement(placement_id, lock=True)
    if not can_confirm_checks(user, placement):
        raise RuleError("Only the partner manager or the service lead can change checks")
    require_state(placement, S.APPROVED, S.CLEARED, doing="change the checklist of")
    at_field, by_field, label = CHECKS[item]
    if getattr(placement, at_field) is None:
        raise RuleError(f"“{label}” is not ticked")
    setattr(placement, at_field, None)
    setattr(placement, by_field, None)
    record("placement.check_undone", obj=placement, actor=user,
           tenant_id=placement.tenant_id, summary=label)  # fmt: skip
    if placement.status == S.CLEARED:
        move(placement, S.APPROVED, actor=user, action="clearance_undone", note=label)
        tell(
            [placement.requested_by, placement.participant]
            + service_leads(placement.service_id, placement.tenant_id),
            placement,
            f"No longer cleared: {placement.participant.name} in {placement.service.name}. "
            f"“{label}” was undone by {user.name}; any joint visits booked are called off.",
        )
    return placement
