"""The rules of placements. Every change goes through one of these functions.

Two rules are enforced here, inside the transaction that makes the change, with
row locks so two people acting at the same moment cannot both break them:

- a service never has more placements holding a place on any day than its
  capacity (the service's row is locked, then the days counted);
- a participant never has two overlapping placements (their row is locked).

Locks are always taken service first, then participant, so they cannot deadlock.
Every change is recorded as a PlacementEvent and an audit event, and the people
concerned are told (in the portal, and by email through the outbox).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, select

from portal import tenancy
from portal.accounts.models import Membership, Role, User
from portal.audit.service import record
from portal.common.clock import LONDON, utcnow
from portal.errors import NotFound, RuleError
from portal.extensions import db
from portal.host.models import HostService
from portal.mail.service import queue_mail
from portal.notifications.service import notify
from portal.placements.models import (
    HOLDS_A_PLACE,
    OPEN,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from portal.tenants.models import Tenant

S = PlacementStatus
MAX_LENGTH = timedelta(days=183)
CHECKS = {
    "dbs": ("dbs_confirmed_at", "dbs_confirmed_by_id", "DBS check confirmed"),
    "sharing_agreement": (
        "sharing_agreement_at",
        "sharing_agreement_by_id",
        "Information sharing agreement signed",
    ),
    "induction": ("induction_at", "induction_by_id", "Induction arranged"),
}


def today() -> date:
    return utcnow().astimezone(LONDON).date()


# --- Looking things up ---------------------------------------------------------------------


def get_placement(placement_id: int, *, lock: bool = False) -> Placement:
    """A placement in the current tenant scope, or RuleError (routes turn it into a 404)."""
    query = select(Placement).where(Placement.id == placement_id)
    if lock:
        query = query.with_for_update()
    placement = db.session.scalar(query)
    if placement is None:
        raise NotFound(placement_id)
    return placement


def is_lead_of(user: User, service_id: int) -> bool:
    return user.role == Role.SERVICE_LEAD and user.host_service_id == service_id


def _lock_service(service_id: int) -> HostService:
    service = db.session.scalar(
        select(HostService).where(HostService.id == service_id).with_for_update()
    )
    if service is None:
        raise RuleError("Select a service", "service")
    return service


def _lock_participant(user_id: int) -> None:
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


# --- Capacity --------------------------------------------------------------------------------


def daily_places_taken(
    service_id: int, starts_on: date, ends_on: date, *, excluding: int | None = None
) -> dict[date, int]:
    """How many placements hold a place in the service on each day of the range.

    Counts every authority's placements: a service's capacity is shared. Only
    dates are read, so this runs in the system scope.
    """
    with tenancy.system_scope():
        query = select(Placement.starts_on, Placement.ends_on).where(
            Placement.service_id == service_id,
            Placement.status.in_(list(HOLDS_A_PLACE)),
            Placement.starts_on <= ends_on,
            Placement.ends_on >= starts_on,
        )
        if excluding is not None:
            query = query.where(Placement.id != excluding)
        ranges = db.session.execute(query).all()
    taken: dict[date, int] = {}
    day = starts_on
    while day <= ends_on:
        taken[day] = sum(1 for start, end in ranges if start <= day <= end)
        day += timedelta(days=1)
    return taken


@dataclass(frozen=True)
class DayRoom:
    day: date
    taken: int
    capacity: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


def service_room(service: HostService, starts_on: date, ends_on: date) -> list[DayRoom]:
    """Places taken and free on each day: the capacity calendar."""
    taken = daily_places_taken(service.id, starts_on, ends_on)
    return [DayRoom(day, count, service.capacity) for day, count in taken.items()]


def _check_room(service: HostService, starts_on: date, ends_on: date, placement_id: int) -> None:
    taken = daily_places_taken(service.id, starts_on, ends_on, excluding=placement_id)
    full = [day for day, count in taken.items() if count >= service.capacity]
    if full:
        raise RuleError(
            f"{service.name} has no place free on {len(full)} of those days "
            f"(first: {full[0]:%-d %B %Y}). Propose other dates or decline."
        )


def _check_no_overlap(
    participant_id: int, starts_on: date, ends_on: date, placement_id: int | None,
    states: Iterable[PlacementStatus],
) -> None:  # fmt: skip
    clash = db.session.scalar(
        select(Placement).where(
            Placement.participant_id == participant_id,
            Placement.status.in_(list(states)),
            Placement.starts_on <= ends_on,
            Placement.ends_on >= starts_on,
            Placement.id != (placement_id or 0),
        )
    )
    if clash is not None:
        raise RuleError(
            f"{clash.participant.name} already has a placement from "
            f"{clash.starts_on:%-d %B} to {clash.ends_on:%-d %B %Y} ({clash.status.label.lower()})"
        )


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is None:
        raise RuleError("Enter the first day of the placement", "starts_on")
    if ends_on is None:
        raise RuleError("Enter the last day of the placement", "ends_on")
    if starts_on < today():
        raise RuleError("The first day must be today or in the future", "starts_on")
    if ends_on < starts_on:
        raise RuleError("The last day must be the same as or after the first day", "ends_on")
    if ends_on - starts_on > MAX_LENGTH:
        raise RuleError("A placement can be at most 6 months long", "ends_on")


# --- Changes ---------------------------------------------------------------------------------


def _move(placement: Placement, to: PlacementStatus, *, actor: User, action: str,
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


def _require(placement: Placement, *states: PlacementStatus, doing: str) -> None:
    if placement.status not in states:
        raise RuleError(f"You cannot {doing} a placement that is {placement.status.label.lower()}")


def _tell(users: Iterable[User], placement: Placement, text: str, *, email: bool = True) -> None:
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


def request_placement(
    *,
    manager: User,
    tenant: Tenant,
    participant_id: int,
    service_id: int,
    starts_on: date | None,
    ends_on: date | None,
    days_per_week: int | None,
    learning_goals: str,
) -> Placement:
    """A partner manager asks for a participant of their authority to join a service."""
    if manager.role != Role.PARTNER_MANAGER:
        raise RuleError("Only partner managers can request placements")
    participant = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == participant_id,
            User.role == Role.PARTICIPANT,
            Membership.tenant_id == tenant.id,
        )
    )
    if participant is None or not participant.active:
        raise RuleError("Select a participant from your authority", "participant")
    if db.session.get(HostService, service_id) is None:
        raise RuleError("Select a service", "service")
    _check_dates(starts_on, ends_on)
    if days_per_week is None or not 1 <= days_per_week <= 5:
        raise RuleError("Enter how many days a week, from 1 to 5", "days_per_week")
    goals = (learning_goals or "").strip()
    if not goals:
        raise RuleError("Enter what the participant wants to learn", "learning_goals")
    if len(goals) > 2000:
        raise RuleError("Learning goals must be 2,000 characters or fewer", "learning_goals")
    _lock_participant(participant.id)
    _check_no_overlap(participant.id, starts_on, ends_on, None, OPEN)
    placement = Placement(
        tenant_id=tenant.id,
        participant_id=participant.id,
        service_id=service_id,
        requested_by_id=manager.id,
        starts_on=starts_on,
        ends_on=ends_on,
        days_per_week=days_per_week,
        learning_goals=goals,
        status=S.REQUESTED,
    )
    db.session.add(placement)
    db.session.flush()
    _record_request(placement, manager)
    _tell(
        service_leads(service_id, tenant.id),
        placement,
        f"{tenant.name} asks for a placement for {participant.name} in "
        f"{placement.service.name}, {starts_on:%-d %B} to {ends_on:%-d %B %Y}.",
    )
    return placement


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
           summary=f"Placement {placement.id} requested")  # fmt: skip


def _approve(placement: Placement, *, actor: User, action: str, note: str | None = None) -> None:
    service = _lock_service(placement.service_id)
    _lock_participant(placement.participant_id)
    _check_room(service, placement.starts_on, placement.ends_on, placement.id)
    _check_no_overlap(
        placement.participant_id, placement.starts_on, placement.ends_on, placement.id,
        HOLDS_A_PLACE,
    )  # fmt: skip
    _move(placement, S.APPROVED, actor=actor, action=action, note=note)


def _require_lead(placement: Placement, actor: User) -> None:
    if not (is_lead_of(actor, placement.service_id) or actor.role == Role.CENTRE_ADMIN):
        raise RuleError("Only the service's lead can decide on this placement")


def approve_placement(placement_id: int, *, lead: User) -> Placement:
    """The service lead approves the requested dates, if the service has room."""
    placement = get_placement(placement_id, lock=True)
    _require_lead(placement, lead)
    _require(placement, S.REQUESTED, doing="approve")
    _approve(placement, actor=lead, action="approved")
    _tell(
        [placement.requested_by, placement.participant],
        placement,
        f"Approved: {placement.participant.name} in {placement.service.name}, "
        f"{placement.starts_on:%-d %B} to {placement.ends_on:%-d %B %Y}. "
        "Next, complete the clearance checklist.",
    )
    return placement


def decline_placement(placement_id: int, *, lead: User, reason: str) -> Placement:
    placement = get_placement(placement_id, lock=True)
    _require_lead(placement, lead)
    _require(placement, S.REQUESTED, doing="decline")
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Enter a reason for declining", "reason")
    _move(placement, S.DECLINED, actor=lead, action="declined", note=reason[:500])
    placement.decision_note = reason[:500]
    _tell(
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
    _require_lead(placement, lead)
    _require(placement, S.REQUESTED, doing="propose other dates for")
    _check_dates(starts_on, ends_on)
    if (starts_on, ends_on) == (placement.starts_on, placement.ends_on):
        raise RuleError("Propose dates that differ from the ones requested", "starts_on")
    service = db.session.get(HostService, placement.service_id)
    _check_room(service, starts_on, ends_on, placement.id)
    placement.proposed_starts_on, placement.proposed_ends_on = starts_on, ends_on
    placement.decision_note = (note or "").strip()[:500] or None
    _move(placement, S.PROPOSED, actor=lead, action="proposed_dates", note=placement.decision_note)
    _tell(
        [placement.requested_by],
        placement,
        f"{service.name} proposes other dates for {placement.participant.name}: "
        f"{starts_on:%-d %B} to {ends_on:%-d %B %Y}. Accept or decline them.",
    )
    return placement


def _require_manager(placement: Placement, manager: User) -> None:
    if manager.role != Role.PARTNER_MANAGER or placement.tenant_id not in (
        tenancy.current_scope() or ()
    ):
        raise RuleError("Only the authority's partner manager can do this")


def accept_proposal(placement_id: int, *, manager: User) -> Placement:
    """The manager takes the proposed dates; the placement is approved if there is still room."""
    placement = get_placement(placement_id, lock=True)
    _require_manager(placement, manager)
    _require(placement, S.PROPOSED, doing="accept dates for")
    placement.starts_on = placement.proposed_starts_on
    placement.ends_on = placement.proposed_ends_on
    _check_dates(placement.starts_on, placement.ends_on)
    _approve(placement, actor=manager, action="accepted_dates")
    placement.proposed_starts_on = placement.proposed_ends_on = None
    _tell(
        service_leads(placement.service_id, placement.tenant_id) + [placement.participant],
        placement,
        f"Agreed: {placement.participant.name} in {placement.service.name}, "
        f"{placement.starts_on:%-d %B} to {placement.ends_on:%-d %B %Y}.",
    )
    return placement


def reject_proposal(placement_id: int, *, manager: User) -> Placement:
    placement = get_placement(placement_id, lock=True)
    _require_manager(placement, manager)
    _require(placement, S.PROPOSED, doing="decline dates for")
    _move(placement, S.WITHDRAWN, actor=manager, action="rejected_dates",
          note="The proposed dates did not suit")  # fmt: skip
    _tell(
        service_leads(placement.service_id, placement.tenant_id),
        placement,
        f"{placement.tenant.name} did not take the dates proposed for "
        f"{placement.participant.name}; the request is withdrawn.",
    )
    return placement


def withdraw_placement(placement_id: int, *, manager: User, reason: str = "") -> Placement:
    placement = get_placement(placement_id, lock=True)
    _require_manager(placement, manager)
    _require(placement, *OPEN, doing="withdraw")
    _move(placement, S.WITHDRAWN, actor=manager, action="withdrawn",
          note=(reason or "").strip()[:500] or None)  # fmt: skip
    _tell(
        service_leads(placement.service_id, placement.tenant_id) + [placement.participant],
        placement,
        f"Withdrawn: the placement for {placement.participant.name} in {placement.service.name}.",
    )
    return placement


def cancel_placement(placement_id: int, *, admin: User, reason: str) -> Placement:
    placement = get_placement(placement_id, lock=True)
    if admin.role != Role.CENTRE_ADMIN:
        raise RuleError("Only centre admins can cancel placements")
    _require(placement, *OPEN, doing="cancel")
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("Enter a reason for cancelling", "reason")
    _move(placement, S.CANCELLED, actor=admin, action="cancelled", note=reason[:500])
    _tell(
        [placement.requested_by, placement.participant]
        + service_leads(placement.service_id, placement.tenant_id),
        placement,
        f"Cancelled by the Centre for Social Work: the placement for "
        f"{placement.participant.name} in {placement.service.name}. Reason: {reason[:300]}",
    )
    return placement


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
    _require(placement, S.APPROVED, doing="change the checklist of")
    at_field, by_field, label = CHECKS[item]
    if getattr(placement, at_field) is None:
        setattr(placement, at_field, utcnow())
        setattr(placement, by_field, user.id)
        record("placement.check_confirmed", obj=placement, actor=user,
               tenant_id=placement.tenant_id, summary=label)  # fmt: skip
    if placement.cleared:
        _move(placement, S.CLEARED, actor=user, action="cleared")
        _tell(
            [placement.requested_by, placement.participant]
            + service_leads(placement.service_id, placement.tenant_id),
            placement,
            f"Cleared: {placement.participant.name} can start in {placement.service.name} "
            f"on {placement.starts_on:%-d %B %Y}.",
        )
    return placement


def start_placement(placement_id: int, *, user: User) -> Placement:
    """A cleared placement becomes active on (or after) its first day."""
    placement = get_placement(placement_id, lock=True)
    if not (is_lead_of(user, placement.service_id) or user.role == Role.CENTRE_ADMIN):
        raise RuleError("Only the service's lead can start a placement")
    if placement.status == S.APPROVED:
        raise RuleError("The clearance checklist must be complete before the placement starts")
    _require(placement, S.CLEARED, doing="start")
    if today() < placement.starts_on:
        raise RuleError(f"This placement starts on {placement.starts_on:%-d %B %Y}")
    _move(placement, S.ACTIVE, actor=user, action="started")
    return placement


def complete_placement(placement_id: int, *, user: User) -> Placement:
    """An active placement is completed; both sides are asked to evaluate it."""
    placement = get_placement(placement_id, lock=True)
    if not (is_lead_of(user, placement.service_id) or user.role == Role.CENTRE_ADMIN):
        raise RuleError("Only the service's lead can complete a placement")
    _require(placement, S.ACTIVE, doing="complete")
    _move(placement, S.COMPLETED, actor=user, action="completed")
    _ask_for_evaluations(placement)
    return placement


def _ask_for_evaluations(placement: Placement) -> None:
    from portal.jobs.service import enqueue

    _tell(
        [placement.participant],
        placement,
        f"Your placement in {placement.service.name} is complete. Tell us how it went.",
    )
    _tell(
        service_leads(placement.service_id, placement.tenant_id),
        placement,
        f"{placement.participant.name}'s placement is complete. Give feedback on their "
        "learning goals.",
    )
    enqueue(
        "placements.evaluation_reminder",
        tenant_id=placement.tenant_id,
        run_at=utcnow() + timedelta(days=7),
        topic=f"placement:{placement.id}:evaluation",
        placement_id=placement.id,
    )


def submit_evaluation(placement_id: int, *, user: User, text: str) -> Placement:
    """The participant's evaluation of the setting, or the lead's feedback on their goals.

    The placement is evaluated once both are in.
    """
    placement = get_placement(placement_id, lock=True)
    _require(placement, S.COMPLETED, doing="evaluate")
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
        _move(placement, S.EVALUATED, actor=user, action="evaluated")
        from portal.jobs.service import cancel_topic

        cancel_topic(f"placement:{placement.id}:evaluation")
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
    _tell(owed, placement, f"Reminder: your evaluation of the placement in "
          f"{placement.service.name} is still to do.")  # fmt: skip
    return len(owed)


def free_days(service_: HostService, starts_on: date, ends_on: date) -> int:
    """Weekdays in the range on which the service has at least one place free."""
    return sum(
        1 for d in service_room(service_, starts_on, ends_on) if d.free > 0 and d.day.weekday() < 5
    )


@dataclass
class Summary:
    """What a home page says about placements: counts by state and what needs action."""

    counts: dict[PlacementStatus, int]
    needs_action: list[Placement]
    mine: list[Placement]


def placement_summary(tenant: Tenant, user: User) -> Summary:
    from sqlalchemy import func
    from sqlalchemy.orm import selectinload

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
