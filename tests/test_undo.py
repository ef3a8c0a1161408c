"""What was done by mistake can be taken back (issue 13, point 4).

Before: a checklist tick and an approval took one click and had no undo; the only way
back was the centre's admin cancelling the placement outright.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.common.clock import move_clock
from portal.errors import RuleError
from portal.placements import service
from portal.placements.models import PlacementStatus as S
from portal.sessions.models import SessionStatus
from tests.support import run_jobs
from tests.test_asking_first import status_of, visit
from tests.test_placements import act, clear, request, status


def approved(world, person=None, start=3) -> int:
    pid = request(world, person, start=start, end=start + 27)
    act(world, service.approve_placement, pid, lead=world["service_lead"])
    return pid


def test_the_lead_takes_back_an_approval_made_by_mistake(world, login_as):
    pid = approved(world)
    lead = login_as(world["service_lead"])
    assert "Undo approval" in lead.get(f"/northbrook/placements/{pid}").text

    back = lead.post(f"/northbrook/placements/{pid}/approve/undo", follow_redirects=True)

    assert "Approval taken back: the request waits for a decision" in back.text
    assert status(pid) == S.REQUESTED
    assert "Undo approval" not in back.text


def test_an_approval_cannot_be_taken_back_late_by_others_or_once_the_checklist_starts(world):
    cases = ((16, "service_lead", False), (0, "centre_admin", False), (0, "service_lead", True))
    for n, (later, who, tick) in enumerate(cases):
        pid = approved(world, start=3 + 35 * n)  # weeks apart: each has room
        if tick:
            act(world, service.confirm_check, pid, user=world["partner_manager_a"], item="dbs")
        move_clock(timedelta(minutes=later))
        with pytest.raises(RuleError, match="can no longer be undone"):
            act(world, service.undo_approval, pid, lead=world[who])
        assert status(pid) == S.APPROVED


def test_the_lead_list_offers_undo_after_a_quick_approve(world, login_as):
    pid = request(world, start=3, end=30)
    lead = login_as(world["service_lead"])
    row = lead.post(f"/northbrook/placements/{pid}/approve", headers={"HX-Request": "true"})
    assert "Undo<span" in row.text and "approving" in row.text

    row = lead.post(f"/northbrook/placements/{pid}/approve/undo", headers={"HX-Request": "true"})

    assert "Approve<span" in row.text
    assert status(pid) == S.REQUESTED


def test_a_checklist_tick_can_be_undone(world, login_as):
    pid = approved(world)
    manager = login_as(world["partner_manager_a"])
    manager.post(f"/northbrook/placements/{pid}/checks/dbs")

    part = manager.post(
        f"/northbrook/placements/{pid}/checks/dbs/undo", headers={"HX-Request": "true"}
    )

    assert "Undone: DBS check confirmed." in part.text
    assert part.text.count("To do") == 0 and part.text.count("Confirm<span") == 3
    with pytest.raises(RuleError, match="is not ticked"):
        act(world, service.undo_check, pid, user=world["partner_manager_a"], item="dbs")


def test_undoing_a_tick_of_a_cleared_placement_calls_off_its_visits(world, login_as):
    pid = approved(world)
    clear(world, pid)
    assert status(pid) == S.CLEARED
    booked = visit(world, 5)

    response = login_as(world["service_lead"]).post(
        f"/northbrook/placements/{pid}/checks/induction/undo", headers={"HX-Request": "true"}
    )
    run_jobs()

    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(f"/{pid}")
    assert status(pid) == S.APPROVED
    assert status_of(booked) == SessionStatus.CANCELLED
