"""What cannot be undone asks first, what makes no sense yet is refused, and an ending
cancels what it leaves behind (issue 13, point 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import tenancy
from portal.common.clock import move_clock, utcnow
from portal.errors import RuleError
from portal.extensions import db
from portal.placements.models import Placement, PlacementStatus
from portal.sessions.models import Place, Session, SessionKind, SessionStatus
from tests.support import run_jobs
from tests.test_boards import boards as boards  # noqa: F401 - the fixture
from tests.test_boards import write
from tests.test_placements import act, clear, request, service

S = PlacementStatus


def active(world, *, start=1, end=30):
    pid = request(world, start=start, end=end)
    act(world, service.approve_placement, pid, lead=world["service_lead"])
    clear(world, pid)
    move_clock(timedelta(days=start))
    act(world, service.start_placement, pid, user=world["service_lead"])
    return pid


def test_a_placement_cannot_be_completed_before_its_last_day(world):
    pid = active(world)
    with pytest.raises(RuleError, match="runs until"):
        act(world, service.complete_placement, pid, user=world["service_lead"])
    move_clock(timedelta(days=29))
    assert act(world, service.complete_placement, pid, user=world["service_lead"]) == S.COMPLETED


def test_the_lead_is_told_when_completing_becomes_possible(world, login_as):
    pid = active(world)
    page = login_as(world["service_lead"]).get(f"/northbrook/placements/{pid}").text
    assert "You can mark it as completed from its last day" in page
    assert f"/northbrook/placements/{pid}/complete" not in page


@pytest.mark.parametrize(
    ("who", "path", "question", "button"),
    [
        ("partner_manager_a", "withdraw", "Withdraw the placement for", "Yes, withdraw it"),
        ("service_lead", "complete", "placement as completed?", "Yes, it is completed"),
    ],
)
def test_ending_a_placement_asks_first_and_only_the_answer_acts(
    world, login_as, who, path, question, button
):
    pid = active(world, end=1)
    client = login_as(world[who])

    asked = client.get(f"/northbrook/placements/{pid}/{path}")

    assert asked.status_code == 200
    assert question in asked.text and button in asked.text
    assert "You cannot undo this" in asked.text
    with tenancy.system_scope():
        assert db.session.get(Placement, pid).status == S.ACTIVE  # asking changed nothing
    assert client.post(f"/northbrook/placements/{pid}/{path}").status_code == 302
    with tenancy.system_scope():
        db.session.expire_all()
        assert db.session.get(Placement, pid).status in (S.WITHDRAWN, S.COMPLETED)


def test_deleting_a_reflection_asks_first(boards, login_as):
    rid = write(boards)
    author = login_as(boards["participant_a"])

    asked = author.get(f"/northbrook/reflections/{rid}/delete")

    assert asked.status_code == 200
    assert "Yes, delete it" in asked.text and "You cannot undo this" in asked.text
    assert author.get(f"/northbrook/reflections/{rid}").status_code == 200
    assert author.post(f"/northbrook/reflections/{rid}/delete").status_code == 302
    assert author.get(f"/northbrook/reflections/{rid}").status_code == 404


def visit(world, days_ahead: int) -> int:
    with tenancy.system_scope():
        start = utcnow() + timedelta(days=days_ahead)
        session = Session(
            tenant_id=world.a.id, kind=SessionKind.JOINT_VISIT, title="Joint visit",
            host_id=world["host_practitioner"].id, starts_at=start,
            ends_at=start + timedelta(hours=1), location="Online",
            status=SessionStatus.CONFIRMED,
        )  # fmt: skip
        db.session.add(session)
        db.session.flush()
        db.session.add(
            Place(tenant_id=world.a.id, session_id=session.id,
                  participant_id=world["participant_a"].id)
        )  # fmt: skip
        db.session.commit()
        return session.id


def status_of(session_id: int) -> SessionStatus:
    db.session.expire_all()
    with tenancy.system_scope():
        return db.session.get(Session, session_id).status


def test_withdrawing_a_placement_cancels_the_joint_visits_it_allowed(world):
    pid = active(world)
    coming, later = visit(world, 3), visit(world, 10)

    with tenancy.scoped({world.a.id}):
        service.withdraw_placement(pid, manager=world["partner_manager_a"])
        db.session.commit()
    run_jobs()

    assert status_of(coming) == status_of(later) == SessionStatus.CANCELLED
    with tenancy.system_scope():
        reason = db.session.get(Session, coming).change_reason
    assert "has ended, and a joint visit needs one" in reason


def test_visits_another_placement_still_covers_are_kept(world):
    first = active(world, start=1, end=4)
    with tenancy.system_scope():
        second = Placement(
            tenant_id=world.a.id, participant_id=world["participant_a"].id,
            service_id=world.service.id, starts_on=service.today() + timedelta(days=8),
            ends_on=service.today() + timedelta(days=20), weekdays=0b11111,
            learning_goals="More", status=S.CLEARED,
        )  # fmt: skip
        db.session.add(second)
        db.session.commit()
    outside, inside = visit(world, 6), visit(world, 10)

    with tenancy.scoped({world.a.id}):
        service.withdraw_placement(first, manager=world["partner_manager_a"])
        db.session.commit()
    run_jobs()
    run_jobs()  # again: nothing is cancelled twice

    assert status_of(outside) == SessionStatus.CANCELLED
    assert status_of(inside) == SessionStatus.CONFIRMED
