"""What the placement pages show: an authority's placements, one placement with its
people, a service lead's requests, and the summary on a home page. Reads only, in the
current tenant scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from portal.accounts.models import Role, User
from portal.common.paging import Window, first_few, window
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
        joinedload(Placement.participant),
        joinedload(Placement.service),
        joinedload(Placement.requested_by),
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


# A state's table on the list shows its first few; all of them are a list of their own,
# a page at a time.
GROUP_MOST = 10
PER_PAGE = 25


@dataclass
class TenantPlacements:
    groups: dict[PlacementStatus, list[Placement]]  # by state, what needs action first
    needs_action: list[Placement]
    counts: dict[PlacementStatus, int]  # every placement in each state
    page: Window | None = None  # one state's placements, a page of them (``status``)


def tenant_placements(
    tenant: Tenant, user: User, *, status: PlacementStatus | None = None, page: int = 1
) -> TenantPlacements:
    """The authority's placements (a participant's own, for a participant), by state:
    the first of each state, or (``status``) one state's, a page at a time."""
    mine = [Placement.tenant_id == tenant.id]
    if user.role == Role.PARTICIPANT:
        mine.append(Placement.participant_id == user.id)
    counts = dict(
        db.session.execute(
            select(Placement.status, func.count()).where(*mine).group_by(Placement.status)
        ).all()
    )
    first = NEEDS_ACTION.get(user.role, ())
    if status is not None:
        query = _with_people(select(Placement)).where(*mine, Placement.status == status)
        listed = window(
            query.order_by(Placement.starts_on, Placement.id), page=page, per_page=PER_PAGE
        )
        return TenantPlacements(
            groups={status: listed.items} if listed.items else {},
            needs_action=[], counts=counts, page=listed,
        )  # fmt: skip
    rank = func.row_number().over(
        partition_by=Placement.status, order_by=(Placement.starts_on, Placement.id)
    )
    ranked = select(Placement, rank.label("rank")).where(*mine).subquery()
    shown = aliased(Placement, ranked)
    placements = db.session.scalars(
        select(shown)
        .where(ranked.c.rank <= GROUP_MOST)
        .options(
            joinedload(shown.participant),
            joinedload(shown.service),
            joinedload(shown.requested_by),
        )
        .order_by(shown.starts_on, shown.id)
    ).all()
    groups: dict[PlacementStatus, list[Placement]] = {}
    for placement in placements:
        groups.setdefault(placement.status, []).append(placement)
    return TenantPlacements(
        groups=groups, needs_action=[p for p in placements if p.status in first], counts=counts
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


def waiting_for_decision(user: User, most: int) -> tuple[int, list[Placement]]:
    """Requests waiting for the lead's decision (any service's, for an admin), across the
    authorities in scope: how many, and the first few by start date, in one statement."""
    query = select(Placement).where(Placement.status == S.REQUESTED)
    if user.role != Role.CENTRE_ADMIN:
        query = query.where(Placement.service_id == (user.host_service_id or 0))
    ordered = _with_people(query).options(joinedload(Placement.tenant))
    return first_few(ordered.order_by(Placement.starts_on, Placement.id), most)


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
        joinedload(Placement.participant), joinedload(Placement.service)
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
