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
from portal.jobs.service import enqueue
from portal.mail.service import queue_mail
from portal.notifications.service import acting_user_id, notify
from portal.placements.models import (
    HOLDS_A_PLACE,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from portal.tenants.models import Tenant

# Moving from a state that holds a place to one of these ends what the placement allowed.
ENDING = frozenset(
    {PlacementStatus.COMPLETED, PlacementStatus.WITHDRAWN, PlacementStatus.CANCELLED}
)


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
        summary=f"{placement}: {before.label} → {to.label}",  # "Leah Morgan in Assessment Team"
        details={"from": before.value, "to": to.value, "note": note},
    )
    uncleared = before == PlacementStatus.CLEARED and to == PlacementStatus.APPROVED
    if (before in HOLDS_A_PLACE and to in ENDING) or uncleared:
        _release_what_it_allowed(
            placement, actor, "is no longer cleared" if uncleared else "has ended"
        )


def _release_what_it_allowed(placement: Placement, actor: User, why: str) -> None:
    """An ended (or no longer cleared) placement no longer allows joint visits after
    today: the sessions feature calls them off (in the background, from the outbox, in
    this transaction)."""
    enqueue(
        "sessions.placement_ended",
        tenant_id=placement.tenant_id,
        participant_id=placement.participant_id,
        actor_id=actor.id,
        service=placement.service.name,
        why=why,
    )


# --- Telling people ------------------------------------------------------------------------


def tell(users: Iterable[User], placement: Placement, text: str, *, email: bool = True) -> None:
    """Tell each person in the portal and by email, with a link to the placement."""
    tenant = db.session.get(Tenant, placement.tenant_id)
    path = f"/{tenant.slug}/placements/{placement.id}"
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    acting = acting_user_id()  # told by the page they are on, not by email too
    for user in {u.id: u for u in users if u is not None and u.active}.values():
        if user.id == acting:
            continue
        notify(user_id=user.id, text=text, link=path, tenant_id=placement.tenant_id)
        if email:
            queue_mail(
                to=user.email,
                subject=subject_of(text),
                body=f"Hello {user.name},\n\n{text}\n\nSee the placement: {base}{path}\n",
                kind="placement",
                tenant_id=placement.tenant_id,
            )


def subject_of(text: str, most: int = 90) -> str:
    """An email's subject from what it tells: its first sentence, so each says what
    happened ("Withdrawn: the placement for Leah Morgan in Assessment Team")."""
    first = text.split(". ", 1)[0].rstrip(".")
    return first if len(first) <= most else first[: most - 1].rstrip() + "…"


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


def deciders(service_id: int, tenant_id: int) -> list[User]:
    """Who decides on a service's requests from an authority: its leads who work with the
    authority or, when it has none, the centre's admins (who may decide for any service),
    so that no request waits where nobody sees it."""
    return service_leads(service_id, tenant_id) or list(
        db.session.scalars(
            select(User).where(User.role == Role.CENTRE_ADMIN, User.active).order_by(User.id)
        )
    )
