"""What the placement pages show: an authority's placements, one placement with its
people, a service lead's requests, and the summary on a home page. Reads only, in the
current tenant scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.placements.models import OPEN, Placement, PlacementStatus
from portal.tenants.models import Tenant

S = PlacementStatus
# Shown first on the list, and in a banner: what waits for this role.
NEEDS_ACTION = {
    Role.PARTNER_MANAGER: (S.PROPOSED, S.APPROVED),
    Role.SERVICE_LEAD: (S.REQUESTED, S.APPROVED),
}


def _with_people(query):
    return query.options(
        selectinload(Placement.participant),
        selectinload(Placement.service),
        selectinload(Placement.requested_by),
    )


def placement_for(tenant: Tenant, user: User, placement_id: int) -> Placement | None:
    """One of the authority's placements, with its people, if ``user`` may see it:
    participants see only their own. None otherwise (a 404)."""
    placement = db.session.scalar(
        _with_people(select(Placement)).where(
            Placement.id == placement_id, Placement.tenant_id == tenant.id
        )
    )
    if placement is None:
        return None
    if user.role == Role.PARTICIPANT and placement.participant_id != user.id:
        return None
    return placement


@dataclass
class TenantPlacements:
    groups: dict[PlacementStatus, list[Placement]]  # by state, what needs action first
    needs_action: list[Placement]


def tenant_placements(tenant: Tenant, user: User) -> TenantPlacements:
    """The authority's placements (a participant's own, for a participant), by state."""
    query = _with_people(select(Placement)).where(Placement.tenant_id == tenant.id)
    if user.role == Role.PARTICIPANT:
        query = query.where(Placement.participant_id == user.id)
    first = NEEDS_ACTION.get(user.role, ())
    query = query.order_by(
        case((Placement.status.in_(first), 0), else_=1) if first else Placement.id,
        Placement.starts_on,
    )
    placements = db.session.scalars(query).all()
    groups: dict[PlacementStatus, list[Placement]] = {}
    for placement in placements:
        groups.setdefault(placement.status, []).append(placement)
    return TenantPlacements(
        groups=groups, needs_action=[p for p in placements if p.status in first]
    )


@dataclass
class LeadRequests:
    waiting: list[Placement]  # requested, for the lead to decide
    current: list[Placement]  # every other open placement


def lead_requests(user: User) -> LeadRequests:
    """Open placements in the lead's service (every service, for an admin), across the
    authorities in scope."""
    query = _with_people(select(Placement)).options(selectinload(Placement.tenant))
    if user.role == Role.SERVICE_LEAD:
        query = query.where(Placement.service_id == user.host_service_id)
    placements = db.session.scalars(
        query.where(Placement.status.in_(list(OPEN))).order_by(Placement.starts_on)
    ).all()
    return LeadRequests(
        waiting=[p for p in placements if p.status == S.REQUESTED],
        current=[p for p in placements if p.status != S.REQUESTED],
    )


@dataclass
class Summary:
    """What a home page says about placements: counts by state and what needs action."""

    counts: dict[PlacementStatus, int]
    needs_action: list[Placement]
    mine: list[Placement]


def placement_summary(tenant: Tenant, user: User) -> Summary:
    counts = dict(
        db.session.execute(
            select(Placement.status, func.count())
            .where(Placement.tenant_id == tenant.id)
            .group_by(Placement.status)
        ).all()
    )
    needs: tuple[PlacementStatus, ...] = ()
    if user.role == Role.PARTNER_MANAGER:
        needs = (S.PROPOSED, S.APPROVED, S.COMPLETED)
    loaded = select(Placement).options(
        selectinload(Placement.participant), selectinload(Placement.service)
    )
    needs_action = (
        list(
            db.session.scalars(
                loaded.where(Placement.tenant_id == tenant.id, Placement.status.in_(needs))
                .order_by(Placement.starts_on)
                .limit(10)
            )
        )
        if needs
        else []
    )
    mine = (
        list(
            db.session.scalars(
                loaded.where(Placement.participant_id == user.id).order_by(Placement.starts_on)
            )
        )
        if user.role == Role.PARTICIPANT
        else []
    )
    return Summary(counts=counts, needs_action=needs_action, mine=mine)
