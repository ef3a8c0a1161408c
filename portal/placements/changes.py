"""How every change to a placement is made.

The placement is found (and row-locked) in the tenant scope, checked against its state
and against who is acting, moved to its new state with a PlacementEvent and an audit
event, and the people concerned are told in the portal and by email (the outbox).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import and_, select

from portal import tenancy
from portal.accounts.models import Membership, Role, User
from portal.audit.service import record
from portal.common.records import one_or_not_found
from portal.errors import RuleError
from portal.extensions import db
from portal.mail.service import queue_mail
from portal.notifications.service import notify
from portal.placements.models import Placement, PlacementEvent, PlacementStatus
from portal.tenants.models import Tenant


def get_placement(placement_id: int, *, lock: bool = False) -> Placement:
    """A placement in the current tenant scope, or NotFound (routes turn it into a 404)."""
    return one_or_not_found(Placement, placement_id, lock=lock)


# --- Who may act ---------------------------------------------------------------------------


def is_lead_of(user: User, service_id: int) -> bool:
    return user.role == Role.SERVICE_LEAD and user.host_service_id == service_id


def can_decide(user: User, placement: Placement) -> bool:
    """The service's lead (or a centre admin) decides on, starts and completes placements."""
    return is_lead_of(user, placement.service_id) or user.role == Role.CENTRE_ADMIN


def require_lead(placement: Placement, actor: User, doing: str) -> None:
    if not can_decide(actor, placement):
        raise RuleError(f"Only the service's lead can {doing}")


def require_manager(placement: Placement, manager: User) -> None:
    if manager.role != Role.PARTNER_MANAGER or placement.tenant_id not in (
        tenancy.current_scope() or ()
    ):
        raise RuleError("Only the authority's partner manager can do this")


def require_state(placement: Placement, *states: PlacementStatus, doing: str) -> None:
    if placement.status not in states:
        raise RuleError(f"You cannot {doing} a placement that is {placement.status.label.lower()}")


# --- Recording a change --------------------------------------------------------------------


def move(placement: Placement, to: PlacementStatus, *, actor: User, action: str,
         note: str | None = None) -> None:  # fmt: skip
    """Change state, recording the change as an event and in the audit log."""
    before = placement.status
    placement.status = to
    db.session.add(
        PlacementEvent(
            placement=placement,
            tenant_id=placement.tenant_id,
            actor_id=actor.id,
            action=action,
            from_status=before,
            to_status=to,
            note=note,
        )
    )
    record(
        f"placement.{action}",
        obj=placement,
        actor=actor,
        tenant_id=placement.tenant_id,
        summary=f"Placement {placement.id}: {before.label} → {to.label}",
        details={"from": before.value, "to": to.value, "note": note},
    )


# --- Telling people ------------------------------------------------------------------------


def tell(users: Iterable[User], placement: Placement, text: str, *, email: bool = True) -> None:
    """Tell each person in the portal and by email, with a link to the placement."""
    tenant = db.session.get(Tenant, placement.tenant_id)
    path = f"/{tenant.slug}/placements/{placement.id}"
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    for user in {u.id: u for u in users if u is not None and u.active}.values():
        notify(user_id=user.id, text=text, link=path, tenant_id=placement.tenant_id)
        if email:
            queue_mail(
                to=user.email,
                subject=f"Placement update: {placement.service.name}",
                body=f"Hello {user.name},\n\n{text}\n\nSee the placement: {base}{path}\n",
                kind="placement",
                tenant_id=placement.tenant_id,
            )


def service_leads(service_id: int, tenant_id: int) -> list[User]:
    """The leads of a service who work with the authority."""
    return list(
        db.session.scalars(
            select(User)
            .join(
                Membership, and_(Membership.user_id == User.id, Membership.tenant_id == tenant_id)
            )
            .where(User.role == Role.SERVICE_LEAD, User.host_service_id == service_id)
        )
    )
