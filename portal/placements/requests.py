"""Asking for a placement, and calling it off: a partner manager requests one for a
participant of their authority and may withdraw it while it is open; a centre admin
may cancel it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.accounts import service as accounts
from portal.accounts.models import Role, User
from portal.audit.service import record
from portal.errors import RuleError
from portal.extensions import db
from portal.host.models import HostService
from portal.placements import weekdays as weekday_bits
from portal.placements.changes import (
    deciders,
    get_placement,
    move,
    require_manager,
    require_state,
    service_leads,
    tell,
)
from portal.placements.dates import check_dates, check_no_overlap, lock_participant
from portal.placements.models import OPEN, Placement, PlacementEvent, PlacementStatus
from portal.tenants.models import Tenant

S = PlacementStatus


@dataclass(frozen=True)
class RequestChoices:
    """What the request form offers: the authority's active participants, every service."""

    participants: list[User]
    services: list[HostService]


def request_choices(tenant: Tenant) -> RequestChoices:
    return RequestChoices(
        participants=accounts.active_participants(tenant.id),
        services=list(db.session.scalars(select(HostService).order_by(HostService.name))),
    )


def request_placement(
    *,
    manager: User,
    tenant: Tenant,
    participant_id: int,
    service_id: int,
    starts_on: date | None,
    ends_on: date | None,
    weekdays: Iterable[int | str] | None,
    learning_goals: str,
) -> Placement:
    """A partner manager asks for a participant of their authority to join a service."""
    if manager.role != Role.PARTNER_MANAGER:
        raise RuleError("Only partner managers can request placements")
    participant = accounts.active_participant(tenant.id, participant_id)
    if participant is None:
        raise RuleError("Select a participant from your authority", "participant")
    if db.session.get(HostService, service_id) is None:
        raise RuleError("Select a service", "service")
    days = weekday_bits.mask(weekdays)
    check_dates(starts_on, ends_on, days)
    goals = _learning_goals(learning_goals)
    lock_participant(participant.id)
    check_no_overlap(participant.id, starts_on, ends_on, None, OPEN)
    placement = Placement(
        tenant_id=tenant.id,
        participant_id=participant.id,
        service_id=service_id,
        requested_by_id=manager.id,
        starts_on=starts_on,
        ends_on=ends_on,
        weekdays=days,
        learning_goals=goals,
        status=S.REQUESTED,
    )
    db.session.add(placement)
    db.session.flush()
    _record_request(placement, manager)
    tell(
        deciders(service_id, tenant.id),
        placement,
        f"{tenant.name} asks for a placement for {participant.name} in "
        f"{placement.service.name}, {starts_on:%-d %B} to {ends_on:%-d %B %Y}.",
    )
    return placement


def _learning_goals(learning_goals: str | None) -> str:
    goals = (learning_goals or "").strip()
    if not goals:
        raise RuleError("Enter what the participant wants to learn", "learning_goals")
    if len(goals) > 2000:
        raise RuleError("Learning goals must be 2,000 characters or fewer", "learning_goals")
    return goals


def _record_request(placement: Placement, manager: User) -> None:
    db.session.add(
        PlacementEvent(
            placement=placement,
            tenant_id=placement.tenant_id,
            actor_id=manager.id,
            action="requested",
            from_status=None,
            to_status=S.REQUESTED,
        )
    )
    record("placement.requested", obj=placement, actor=manager, tenant_id=placement.tenant_id,
           summary=f"{placement} requested")  # fmt: skip


def withdraw_placement(placement_id: int, *, manager: User, reason: str = "") -> Placement:
    placement = get_placement(placement_id, lock=True)
    require_manager(placement, manager)
    require_state(placement, *OPEN, doing="withdraw")
    move(placement, S.WITHDRAWN, actor=manager, action="withdrawn",
         note=(reason or "").strip()[:500] or None)  # fmt: skip
    tell(
        deciders(placement.service_id, placement.tenant_id) + [placement.participant],
        placement,
        f"Withdrawn: the placement for {placement.participant.name} in {placement.service.name}.",
    )
    return placement


def cancel_placement(placement_id: int, *, admin: User, reason: str) -> Placement:
    placement = get_placement(placement_id, lock=True)
    if admin.role != Role.CENTRE_ADMIN:
        raise RuleError("Only centre admins can cancel placements")
    require_state(placement, *OPEN, doing="cancel")
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Enter a reason for cancelling", "reason")
    move(placement, S.CANCELLED, actor=admin, action="cancelled", note=reason[:500])
    tell(
        [placement.requested_by, placement.participant]
        + service_leads(placement.service_id, placement.tenant_id),
        placement,
        f"Cancelled by the Centre for Social Work: the placement for "
        f"{placement.participant.name} in {placement.service.name}. Reason: {reason[:300]}",
    )
    return placement
