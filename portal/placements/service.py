"""The rules of placements. Every change goes through one of these functions.

Two rules are enforced inside the transaction that makes the change, with row locks
so two people acting at the same moment cannot both break them:

- a service never has more placements holding a place on any day than its
  capacity (the service's row is locked, then the days counted);
- a participant never has two overlapping placements (their row is locked).

Locks are always taken service first, then participant, so they cannot deadlock.
Every change is recorded as a PlacementEvent and an audit event, and the people
concerned are told (in the portal, and by email through the outbox).

This module is the public face: callers use ``from portal.placements import service``.
The work is done in

- ``changes``: finding a placement, who may act, recording a change, telling people;
- ``dates``: the dates rules (range, length, no overlap for the participant);
- ``capacity``: places taken per day and room left, the catalogue and calendar;
- ``requests``: request, withdraw, cancel;
- ``decisions``: approve, decline, propose dates, accept or turn them down;
- ``clearance``: the checklist;
- ``lifecycle``: start, complete, evaluate, the evaluation reminder;
- ``listing``: what the pages show.
"""

from __future__ import annotations

from portal.common.clock import today
from portal.placements.capacity import (
    Calendar,
    Catalogue,
    DayRoom,
    WeekdayRoom,
    capacity_calendar,
    daily_places_taken,
    free_days,
    room_for,
    service_catalogue,
    service_room,
)
from portal.placements.changes import (
    can_decide,
    deciders,
    get_placement,
    is_lead_of,
    service_leads,
)
from portal.placements.clearance import CHECKS, can_confirm_checks, confirm_check, undo_check
from portal.placements.dates import MAX_LENGTH
from portal.placements.decisions import (
    accept_proposal,
    approve_placement,
    can_undo_approval,
    decline_placement,
    propose_dates,
    reject_proposal,
    undo_approval,
)
from portal.placements.lifecycle import (
    complete_placement,
    owed_evaluations,
    remind_evaluations,
    start_placement,
    submit_evaluation,
)
from portal.placements.listing import (
    NEEDS_ACTION,
    LeadRequests,
    Summary,
    TenantPlacements,
    lead_requests,
    placement_for,
    placement_summary,
    tenant_placements,
    waiting_for_decision,
)
from portal.placements.models import PlacementStatus
from portal.placements.requests import (
    RequestChoices,
    cancel_placement,
    request_choices,
    request_placement,
    withdraw_placement,
)

S = PlacementStatus

__all__ = [
    "CHECKS",
    "MAX_LENGTH",
    "NEEDS_ACTION",
    "Calendar",
    "Catalogue",
    "DayRoom",
    "LeadRequests",
    "RequestChoices",
    "S",
    "Summary",
    "TenantPlacements",
    "accept_proposal",
    "approve_placement",
    "can_undo_approval",
    "undo_approval",
    "undo_check",
    "can_confirm_checks",
    "can_decide",
    "deciders",
    "cancel_placement",
    "capacity_calendar",
    "room_for",
    "WeekdayRoom",
    "complete_placement",
    "confirm_check",
    "daily_places_taken",
    "decline_placement",
    "free_days",
    "get_placement",
    "is_lead_of",
    "lead_requests",
    "owed_evaluations",
    "placement_for",
    "placement_summary",
    "propose_dates",
    "reject_proposal",
    "remind_evaluations",
    "request_choices",
    "request_placement",
    "service_catalogue",
    "service_leads",
    "service_room",
    "start_placement",
    "submit_evaluation",
    "tenant_placements",
    "waiting_for_decision",
    "today",
    "withdraw_placement",
]
